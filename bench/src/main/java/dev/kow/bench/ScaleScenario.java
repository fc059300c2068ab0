package dev.kow.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import dev.kow.prompts.SamplePrompts;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.Profile;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.worker.WorkerApplication;
import dev.kow.worker.job.Lane;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code scale}: throughput of 1, 2 and 3 worker processes
 * ({@code worker/target/worker.jar}) in one consumer group, when the GPU hosts are not
 * the bottleneck. The hosts have far more slots than the workers use together and no
 * per-stream slowdown under concurrency, so each worker's limit is its own slots
 * ({@code --slots} per host); the question is whether the consumer group, the partition
 * assignment and the shared broker let the fleet add that up. Each round gets fresh
 * topics and a fresh group, waits until every worker holds partitions, then produces
 * {@code --requests} at once and times them from the first send to the last result. The
 * schema registry is a real Apicurio process (the workers are other JVMs and cannot see
 * an in-process {@code mock://} registry).
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
		description = "Throughput with 1, 2 and 3 worker processes in one consumer group when the hosts are not the bottleneck.")
final class ScaleScenario implements Callable<Integer> {

	@Mixin
	BenchOptions options = new BenchOptions();

	@Option(names = "--requests", defaultValue = "3000", description = "Requests per round (default ${DEFAULT-VALUE}).")
	int requests;

	@Option(names = "--warmup", defaultValue = "1000",
			description = "Requests each round sends first and does not time, so the workers' JIT has compiled the hot paths (default ${DEFAULT-VALUE}).")
	int warmup;

	@Option(names = "--workers", split = ",", defaultValue = "1,2,3",
			description = "Worker processes per round (default ${DEFAULT-VALUE}).")
	List<Integer> workers;

	@Option(names = "--hosts", defaultValue = "3", description = "Simulated hosts (default ${DEFAULT-VALUE}).")
	int hosts;

	/**
	 * 2, not the other scenarios' 4: every process of the run (the workers, the broker,
	 * the hosts, this harness) shares the machine, and with 3 workers x 3 hosts x 4
	 * streams a 2-core machine is itself the bottleneck (measured: about 1.75 of 2 cores
	 * busy), which is not what this scenario asks.
	 */
	@Option(names = "--slots", defaultValue = "2",
			description = "Each worker's slots per host (default ${DEFAULT-VALUE}).")
	int slots;

	@Option(names = "--host-slots", defaultValue = "64",
			description = "Each host's OLLAMA_NUM_PARALLEL, far above what the workers use (default ${DEFAULT-VALUE}).")
	int hostSlots;

	@Option(names = "--partitions", defaultValue = "12",
			description = "Partitions per lane topic (default ${DEFAULT-VALUE}).")
	int partitions;

	@Option(names = "--worker-jar", defaultValue = "worker/target/worker.jar",
			description = "The packaged worker (default ${DEFAULT-VALUE}, from the repository root).")
	Path workerJar;

	@Option(names = "--worker-heap", defaultValue = "384m",
			description = "Each worker's -Xmx (default ${DEFAULT-VALUE}).")
	String workerHeap;

	@Option(names = "--worker-jvm-option", description = "An extra JVM option for every worker process, repeatable "
			+ "(for example -XX:StartFlightRecording=filename=w.jfr to profile).")
	List<String> workerJvmOptions = new ArrayList<>();

	@Option(names = "--apicurio-home", defaultValue = "testkit/target/apicurio",
			description = "The Apicurio Registry the build unpacks (default ${DEFAULT-VALUE}).")
	Path apicurioHome;

	@Override
	public Integer call() throws Exception {
		if (!Files.isRegularFile(this.workerJar)) {
			throw new IllegalStateException("no worker jar at " + this.workerJar.toAbsolutePath()
					+ "; run ./mvnw -B -q -DskipTests package from the repository root first");
		}
		double timeScale = this.options.timeScale != null ? this.options.timeScale : 0.1;
		Report report = new Report("scale");
		report.config.putAll(Map.of("requests", this.requests, "hosts", this.hosts, "slots_per_host_per_worker",
				this.slots, "host_num_parallel", this.hostSlots, "partitions_per_lane", this.partitions, "time_scale",
				timeScale, "host_profile", "gpu-4090, no slowdown under concurrency", "lanes",
				"10% high, 30% normal, 60% batch", "worker_heap", this.workerHeap));
		List<SamplePrompts.Prompt> prompts = SamplePrompts.read(null, 0);
		Path logs = Files.createTempDirectory("bench-scale-");
		System.out.printf("scale: process logs in %s%n", logs);
		Map<String, Object> byWorkers = new TreeMap<>();
		Map<String, Object> rounds = new LinkedHashMap<>();
		try (ApicurioRegistry registry = ApicurioRegistry.start(this.apicurioHome, logs.resolve("apicurio.log"));
				BenchEnvironment env = new BenchEnvironment(registry.confluentUrl())) {
			Profile p = Profile.GPU_4090;
			Profile uncontended = new Profile(p.name() + "-uncontended", p.decodeTokensPerSecond(),
					p.prefillTokensPerSecond(), p.warmLoad(), p.coldLoad(), 0.0);
			List<OllamaSimulator> sims = env.hosts(this.hosts, this.hostSlots, timeScale, i -> uncontended);
			try {
				sims.forEach(ScaleScenario::loadModel);
				for (int n : this.workers) {
					Map<String, Object> figures = round(env, sims, prompts, n, logs);
					rounds.put(Integer.toString(n), figures);
					byWorkers.put(Integer.toString(n), figures.get("rps"));
					System.out.printf("scale: %d worker(s) %s%n", n, figures);
				}
			}
			finally {
				sims.forEach(OllamaSimulator::close);
			}
		}
		Map<String, Object> worker = new LinkedHashMap<>();
		worker.put("throughput_by_workers", byWorkers);
		Object one = byWorkers.get("1");
		Object three = byWorkers.get("3");
		if (one instanceof Double r1 && three instanceof Double r3) {
			worker.put("speedup_3_vs_1", HostLogs.round(r3 / r1, 2));
		}
		worker.put("rounds", rounds);
		report.systems.put("worker", worker);
		report.write(this.options);
		return 0;
	}

	private Map<String, Object> round(BenchEnvironment env, List<OllamaSimulator> sims,
			List<SamplePrompts.Prompt> prompts, int n, Path logs) throws Exception {
		Topics topics = env.topics("scale" + n, this.partitions);
		List<Process> processes = new ArrayList<>();
		try (BenchEnvironment.ResultReader reader = env.new ResultReader(topics)) {
			for (int w = 1; w <= n; w++) {
				processes.add(startWorker(env, topics, sims, "w" + w, logs.resolve("round" + n + "-w" + w + ".log")));
			}
			awaitAssigned(env, topics, n, processes);
			Set<String> warmupIds = send(env, topics, prompts, 0, this.warmup);
			if (!reader.awaitAll(warmupIds, Duration.ofMinutes(10))) {
				throw new IllegalStateException("the warm-up requests did not all get results within 10 min");
			}
			Map<String, Integer> byHostBefore = new HashMap<>(reader.byHost);
			Map<Long, Duration> cpuBefore = cpu(processes);
			long harnessCpuBefore = BenchEnvironment.processCpuNanos();
			long start = System.currentTimeMillis();
			Set<String> ids = send(env, topics, prompts, this.warmup, this.requests);
			boolean complete = reader.awaitAll(ids, Duration.ofMinutes(10));
			double harnessCpuSeconds = (BenchEnvironment.processCpuNanos() - harnessCpuBefore) / 1e9;
			long end = ids.stream().mapToLong(id -> reader.outcomeAtMs.getOrDefault(id, 0L)).max().orElse(start);
			Map<Long, Duration> cpuAfter = cpu(processes);
			double cpuSeconds = cpuAfter.entrySet()
				.stream()
				.mapToDouble(e -> e.getValue().minus(cpuBefore.getOrDefault(e.getKey(), Duration.ZERO)).toNanos() / 1e9)
				.sum();
			double serviceMs = sims.stream()
				.flatMap(s -> s.requestLog().entries().stream())
				.filter(e -> e.status() == 200 && e.arrivedAtMs() >= start)
				.mapToLong(e -> e.finishedAtMs() - e.arrivedAtMs())
				.average()
				.orElse(0);
			Map<String, Integer> perWorker = new TreeMap<>();
			reader.byHost.forEach((host, count) -> perWorker.merge(host.substring(0, host.indexOf('-')),
					count - byHostBefore.getOrDefault(host, 0), Integer::sum));
			Map<String, Object> figures = new LinkedHashMap<>();
			figures.put("rps", HostLogs.round(this.requests * 1000.0 / (end - start), 1));
			figures.put("makespan_ms", end - start);
			figures.put("slot_bound_rps", HostLogs.round(n * this.hosts * this.slots * 1000.0 / serviceMs, 1));
			figures.put("mean_service_ms", HostLogs.round(serviceMs, 1));
			figures.put("results_by_worker", perWorker);
			figures.put("worker_cpu_s_per_1k", HostLogs.round(cpuSeconds * 1000.0 / this.requests, 3));
			figures.put("harness_cpu_s_per_1k", HostLogs.round(harnessCpuSeconds * 1000.0 / this.requests, 3));
			figures.put("lost", reader.lost(ids));
			figures.put("duplicates", reader.duplicates(ids));
			figures.put("complete", complete);
			return figures;
		}
		finally {
			for (Process process : processes) {
				process.destroy(); // SIGTERM: the worker drains and leaves the group
			}
			for (Process process : processes) {
				if (!process.waitFor(60, TimeUnit.SECONDS)) {
					process.destroyForcibly();
				}
			}
		}
	}

	/**
	 * Produces {@code count} requests with ids from {@code from} on, 10 % high, 30 %
	 * normal, 60 % batch.
	 */
	private static Set<String> send(BenchEnvironment env, Topics topics, List<SamplePrompts.Prompt> prompts, int from,
			int count) {
		Set<String> ids = new HashSet<>();
		for (int i = from; i < from + count; i++) {
			Lane lane = BenchEnvironment.mixedLane(i);
			String id = BenchEnvironment.id(lane, i);
			ids.add(id);
			env.send(topics.of(lane), BenchEnvironment.request(id, prompts.get(i % prompts.size()).text(), 0));
		}
		env.flush();
		return ids;
	}

	private Process startWorker(BenchEnvironment env, Topics topics, List<OllamaSimulator> sims, String name, Path log)
			throws Exception {
		Map<String, Object> props = WorkerSystem.properties(env, topics, sims, this.slots, name + "-sim");
		props.put("server.port", "0");
		// --slots is each worker's own concurrency here, the limit that makes a worker
		// the bottleneck;
		// shared slots would make the hosts' slots the limit instead
		props.put("worker.ollama.slot-sharing.mode", "none");
		List<String> command = new ArrayList<>(
				List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx" + this.workerHeap));
		command.addAll(this.workerJvmOptions);
		command.addAll(List.of("-jar", this.workerJar.toString()));
		command.addAll(List.of(WorkerApplication.arguments(props)));
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
	}

	/**
	 * Waits until the group is stable with {@code n} members that together hold every
	 * lane partition.
	 */
	private void awaitAssigned(BenchEnvironment env, Topics topics, int n, List<Process> processes) {
		long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
		try (Admin admin = Admin.create(Map.of("bootstrap.servers", env.bootstrap))) {
			while (System.nanoTime() < until) {
				for (Process process : processes) {
					if (!process.isAlive()) {
						throw new IllegalStateException("a worker process exited with " + process.exitValue());
					}
				}
				try {
					ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(topics.group()))
						.describedGroups()
						.get(topics.group())
						.get(10, TimeUnit.SECONDS);
					int assigned = group.members()
						.stream()
						.mapToInt(m -> m.assignment().topicPartitions().size())
						.sum();
					if (group.groupState() == GroupState.STABLE && group.members().size() == n
							&& group.members().stream().noneMatch(m -> m.assignment().topicPartitions().isEmpty())
							&& assigned == 3 * this.partitions) {
						return;
					}
				}
				catch (Exception notYet) {
					// the group does not exist until the first member joins
				}
				BenchEnvironment.sleep(250);
			}
		}
		throw new IllegalStateException(n + " workers did not share the partitions within 180 s");
	}

	private static Map<Long, Duration> cpu(List<Process> processes) {
		Map<Long, Duration> cpu = new HashMap<>();
		processes.forEach(p -> cpu.put(p.pid(), p.info().totalCpuDuration().orElse(Duration.ZERO)));
		return cpu;
	}

	/**
	 * Loads the model on a host (Ollama: a generate request with no prompt), so round 1
	 * has no cold load.
	 */
	private static void loadModel(OllamaSimulator sim) {
		try {
			HttpResponse<String> answer = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/generate"))
					.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + BenchEnvironment.MODEL + "\"}"))
					.build(), HttpResponse.BodyHandlers.ofString());
			if (answer.statusCode() != 200) {
				throw new IllegalStateException(
						"loading the model answered " + answer.statusCode() + ": " + answer.body());
			}
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
