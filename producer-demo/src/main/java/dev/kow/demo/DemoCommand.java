package dev.kow.demo;

import dev.kow.prompts.SamplePrompts;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

import dev.kow.avro.InferenceResult;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.worker.WorkerApplication;
import dev.kow.worker.config.TopicsProperties;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code demo}: the whole pipeline in one JVM on embedded defaults: a real in-JVM KRaft
 * broker, the {@code mock://} registry, the worker, and the Ollama at
 * {@code http://localhost:11434} if one answers (or the hosts of {@code --ollama-url}),
 * else simulated hosts. Ends with a summary table and, optionally, a JSON file. Exits 1
 * when a request got no outcome, 2 when some failed or expired, 0 otherwise.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
		description = "Run prompts through Kafka, the worker and Ollama (or the simulator) in one JVM.")
final class DemoCommand implements Callable<Integer> {

	private static final String LOCAL_OLLAMA = "http://localhost:11434";

	@Option(names = "--prompts",
			description = "JSONL with a \"prompt\" per line (default: the bundled 2,000-prompt sample).")
	Path prompts;

	@Option(names = "--limit", defaultValue = "0", description = "At most this many prompts (0: all).")
	int limit;

	@Option(names = "--model", defaultValue = "llama3.1:8b", description = "Ollama model (default ${DEFAULT-VALUE}).")
	String model;

	@Option(names = "--num-predict", defaultValue = "0",
			description = "Ollama num_predict per request; 0 sends none (default ${DEFAULT-VALUE}).")
	int numPredict;

	@Option(names = "--sim-hosts", defaultValue = "2",
			description = "Simulated Ollama hosts (default ${DEFAULT-VALUE}).")
	int simHosts;

	@Option(names = "--slots", defaultValue = "4",
			description = "Slots per host: the simulator's OLLAMA_NUM_PARALLEL and the worker's slots (default ${DEFAULT-VALUE}).")
	int slots;

	@Option(names = "--sim-time-scale", defaultValue = "0.02",
			description = "Simulator time scale; 1.0 = real-time speeds of the default profile (default ${DEFAULT-VALUE}).")
	double simTimeScale;

	@Option(names = "--ollama-url", paramLabel = "URL",
			description = "An Ollama host to use instead of the probe and the simulator (repeatable), each with "
					+ "--slots slots.")
	List<String> ollamaUrls = new ArrayList<>();

	@Option(names = "--no-ollama-probe",
			description = "Use the simulator even if an Ollama answers at " + LOCAL_OLLAMA + ".")
	boolean noProbe;

	@Option(names = "--timeout", defaultValue = "30m",
			description = "Give up waiting for results after this long (default ${DEFAULT-VALUE}).")
	Duration timeout;

	@Option(names = "--summary-json", description = "Write the summary as JSON to this file.")
	Path summaryJson;

	@Override
	public Integer call() throws Exception {
		List<SamplePrompts.Prompt> list = SamplePrompts.read(this.prompts, this.limit);
		List<AutoCloseable> resources = new ArrayList<>();
		try {
			System.out.println("Starting an in-JVM Kafka broker (KRaft)...");
			EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 3);
			broker.afterPropertiesSet();
			resources.add(0, broker::destroy);
			String bootstrap = broker.getBrokersAsString();
			try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
				admin.createTopics(List.of(new NewTopic(TopicsProperties.DEFAULT_HIGH, 3, (short) 1),
						new NewTopic(TopicsProperties.DEFAULT_NORMAL, 3, (short) 1),
						new NewTopic(TopicsProperties.DEFAULT_BATCH, 3, (short) 1),
						new NewTopic(TopicsProperties.DEFAULT_RESULTS, 3, (short) 1),
						new NewTopic(TopicsProperties.DEFAULT_DEAD_LETTER, 1, (short) 1)))
					.all()
					.get();
			}
			String registry = "mock://demo-" + UUID.randomUUID();
			Map<String, Object> worker = new HashMap<>();
			String ollama;
			String ollamaVersion = (this.noProbe || !this.ollamaUrls.isEmpty()) ? null : probeOllama(LOCAL_OLLAMA);
			if (!this.ollamaUrls.isEmpty()) {
				ollama = "real";
				for (int i = 0; i < this.ollamaUrls.size(); i++) {
					String url = this.ollamaUrls.get(i);
					String version = probeOllama(url);
					System.out.printf("Using the Ollama at %s (%s), model %s, %d slot(s).%n", url,
							(version == null) ? "not answering now" : "version " + version, this.model, this.slots);
					worker.put("worker.ollama.hosts[" + i + "].url", url);
					worker.put("worker.ollama.hosts[" + i + "].slots", Integer.toString(this.slots));
				}
			}
			else if (ollamaVersion != null) {
				ollama = "real";
				System.out.printf("Using the Ollama at %s (version %s), model %s, %d slot(s).%n", LOCAL_OLLAMA,
						ollamaVersion, this.model, this.slots);
				worker.put("worker.ollama.hosts[0].url", LOCAL_OLLAMA);
				worker.put("worker.ollama.hosts[0].slots", Integer.toString(this.slots));
			}
			else {
				ollama = "simulator";
				System.out.printf(
						"No Ollama answers at %s: using the built-in simulator, %d host(s) x %d slot(s), time scale %s.%n",
						LOCAL_OLLAMA, this.simHosts, this.slots, this.simTimeScale);
				for (int i = 0; i < this.simHosts; i++) {
					OllamaSimulator sim = OllamaSimulator
						.start(SimConfig.defaults().withTimeScale(this.simTimeScale).withNumParallel(this.slots));
					resources.add(0, sim);
					worker.put("worker.ollama.hosts[" + i + "].id", "sim-" + i);
					worker.put("worker.ollama.hosts[" + i + "].url", sim.baseUrl());
					worker.put("worker.ollama.hosts[" + i + "].slots", Integer.toString(this.slots));
				}
			}
			worker.put("spring.kafka.bootstrap-servers", bootstrap);
			worker.put("spring.main.web-application-type", "none");
			worker.put("worker.schema-registry.url", registry);
			worker.put("logging.level.root", "WARN");
			worker.put("logging.level.dev.kow", "WARN");
			System.out.println("Starting the worker...");
			ConfigurableApplicationContext context = new SpringApplicationBuilder(WorkerApplication.class)
				.logStartupInfo(false)
				.run(WorkerApplication.arguments(worker));
			resources.add(0, context::close);

			KafkaOptions kafka = new KafkaOptions();
			kafka.bootstrapServers = bootstrap;
			kafka.registryUrl = registry;
			Map<String, Priority> submitted = new HashMap<>();
			long start = System.nanoTime();
			try (KafkaProducer<String, Object> producer = kafka.producer()) {
				for (int i = 0; i < list.size(); i++) {
					Priority priority = Priority.spread(i);
					SamplePrompts.Prompt prompt = list.get(i);
					submitted.put(prompt.id(), priority);
					producer.send(new ProducerRecord<>(priority.topic, prompt.id(),
							Requests.generate(prompt, this.model, this.numPredict, priority)));
				}
			}
			System.out.printf("Submitted %d prompts (10%% high, 30%% normal, 60%% batch).%n", list.size());
			Tally tally = collect(kafka, submitted);
			Map<String, Object> summary = tally.summary(ollama, (System.nanoTime() - start) / 1e9);
			System.out.println();
			System.out.print(Tally.table(summary));
			if (this.summaryJson != null) {
				Files.writeString(this.summaryJson,
						JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(summary));
				System.out.println("Summary written to " + this.summaryJson);
			}
			int failed = (int) summary.get("failed") + (int) summary.get("expired");
			if (failed > 0) {
				System.out.printf("%d request(s) failed or expired; the dead letters say why (for example an "
						+ "unknown model: `ollama pull %s` on the host)%n", failed, this.model);
			}
			return ((int) summary.get("lost")) > 0 ? 1 : (failed > 0) ? 2 : 0;
		}
		finally {
			for (AutoCloseable resource : resources) {
				try {
					resource.close();
				}
				catch (Exception ignored) {
					// best effort on the way out
				}
			}
		}
	}

	private Tally collect(KafkaOptions kafka, Map<String, Priority> submitted) {
		Tally tally = new Tally(submitted);
		long until = System.nanoTime() + this.timeout.toNanos();
		try (KafkaConsumer<String, Object> results = kafka.resultConsumer("demo-results");
				KafkaConsumer<String, Object> letters = kafka.rawConsumer("demo-dead-letters");
				ProgressBar bar = new ProgressBarBuilder().setTaskName("Results")
					.setInitialMax(submitted.size())
					.continuousUpdate()
					.build()) {
			results.subscribe(List.of(TopicsProperties.DEFAULT_RESULTS));
			letters.subscribe(List.of(TopicsProperties.DEFAULT_DEAD_LETTER));
			while (!tally.complete() && System.nanoTime() < until) {
				for (ConsumerRecord<String, Object> record : results.poll(Duration.ofMillis(200))) {
					tally.result((InferenceResult) record.value());
				}
				letters.poll(Duration.ZERO).forEach(record -> tally.deadLetter());
				bar.stepTo(tally.answered());
			}
			long drainUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
			while (System.nanoTime() < drainUntil) {
				for (ConsumerRecord<String, Object> record : results.poll(Duration.ofMillis(100))) {
					tally.result((InferenceResult) record.value());
				}
				letters.poll(Duration.ofMillis(100)).forEach(record -> tally.deadLetter());
			}
			bar.stepTo(tally.answered());
		}
		return tally;
	}

	private static String probeOllama(String baseUrl) {
		try {
			HttpResponse<String> answer = HttpClient.newBuilder()
				.version(HttpClient.Version.HTTP_1_1)
				.connectTimeout(Duration.ofSeconds(1))
				.build()
				.send(HttpRequest.newBuilder(URI.create(baseUrl.replaceAll("/+$", "") + "/api/version"))
					.timeout(Duration.ofSeconds(2))
					.build(), HttpResponse.BodyHandlers.ofString());
			if (answer.statusCode() != 200) {
				return null;
			}
			return JsonMapper.builder().build().readTree(answer.body()).path("version").asString("unknown");
		}
		catch (Exception unreachable) {
			return null;
		}
	}

}
