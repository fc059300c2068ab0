package dev.kow.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import dev.kow.sim.OllamaSimulator;
import dev.kow.worker.job.Lane;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * {@code overhead}: a simulator with (nearly) zero latency, so the system's own cost
 * shows: requests per second and process CPU seconds per 1,000 requests, against a plain
 * HTTP client loop to the same simulator with the same concurrency as the limit, sending
 * the system's request shape (the worker streams, the peers do not). Every row is
 * measured at the host after its first {@code warmup} requests, so start-up and JIT
 * warm-up are not counted. CPU is the whole process (broker and simulator included), the
 * same for every row; the harness reads the results topic only after the host has
 * answered every request, so its own reader is not measured. The limits and the systems
 * run in interleaved rounds, the first {@code warmup-rounds} not reported (JIT
 * compilation); each round's ratio uses that round's limit, and the report gives the
 * median of each figure with every measured round beside it.
 */
@Command(name = "overhead", mixinStandardHelpOptions = true,
		description = "Requests/s and CPU per request against a plain HTTP loop.")
final class OverheadScenario implements Callable<Integer>, Scenario {

	private static final String LIMIT = "limit";

	private static final String LIMIT_STREAMING = "limit_streaming";

	@Mixin
	BenchOptions options = new BenchOptions();

	@Option(names = "--requests", defaultValue = "20000",
			description = "Requests measured per round; with 5,000 the worker's window was about one second, within reach of a single JIT compilation or GC (default ${DEFAULT-VALUE}).")
	int requests;

	@Option(names = "--slots", defaultValue = "16",
			description = "Slots of the single host (default ${DEFAULT-VALUE}).")
	int slots;

	@Option(names = "--num-predict", defaultValue = "8", description = "Tokens per answer (default ${DEFAULT-VALUE}).")
	int numPredict;

	@Option(names = "--warmup-rounds", defaultValue = "4",
			description = "Whole rounds run first and not reported: the limit loop alone ran 1,500, 5,600 and 12,100 requests/s in three consecutive rounds as the JIT compiled it, and the worker 3,900, 5,300 and 7,900 in its second to fourth (default ${DEFAULT-VALUE}).")
	int warmupRounds;

	@Option(names = "--rounds", defaultValue = "5",
			description = "Rounds of limit and systems, interleaved; the report gives medians, since the 2-core machine's figures move between runs (default ${DEFAULT-VALUE}).")
	int rounds;

	@Option(names = "--warmup", defaultValue = "2000",
			description = "Requests served before measuring, so start-up and JIT warm-up are not counted (default ${DEFAULT-VALUE}).")
	int warmup;

	/**
	 * This round's limit loops, which the systems of the same round are compared with.
	 */
	private final Map<String, Map<String, Object>> roundLimits = new LinkedHashMap<>();

	@Override
	public Integer call() throws Exception {
		return ScenarioRun.run(this, this.options);
	}

	@Override
	public String name() {
		return "overhead";
	}

	@Override
	public double defaultTimeScale() {
		return 1e-6;
	}

	@Override
	public Map<String, Object> config(double timeScale) {
		return Map.of("requests", this.requests, "warmup", this.warmup, "hosts", 1, "slots", this.slots, "num_predict",
				this.numPredict, "time_scale", timeScale, "rounds", this.rounds, "warmup_rounds", this.warmupRounds);
	}

	@Override
	public int partitions() {
		return 12;
	}

	/**
	 * Rounds, warm-up rounds first: {@code warmup-N} down to {@code warmup-1}, then 1 to
	 * {@code rounds}.
	 */
	@Override
	public List<String> cases() {
		List<String> rounds = new ArrayList<>();
		for (int round = 1 - this.warmupRounds; round <= this.rounds; round++) {
			rounds.add(round >= 1 ? Integer.toString(round) : "warmup-" + (1 - round));
		}
		return rounds;
	}

	/** Each round runs both limit loops first, then the systems. */
	@Override
	public List<String> systems(List<String> chosen) {
		List<String> systems = new ArrayList<>(List.of(LIMIT, LIMIT_STREAMING));
		systems.addAll(chosen);
		return systems;
	}

	@Override
	public Map<String, Object> measure(Trial trial) throws Exception {
		if (trial.system.equals(LIMIT) || trial.system.equals(LIMIT_STREAMING)) {
			Map<String, Object> limit = limit(trial, trial.system.equals(LIMIT_STREAMING));
			this.roundLimits.put(trial.system, limit);
			return limit;
		}
		Map<String, Object> figures = run(trial);
		// the worker always streams (stream:true); both peers send stream:false
		Map<String, Object> limit = this.roundLimits.get(trial.system.equals("worker") ? LIMIT_STREAMING : LIMIT);
		double limitRps = (double) limit.get("rps");
		figures.put("limit_rps", limitRps);
		figures.put("rps_vs_limit", HostLogs.round((double) figures.get("rps") / limitRps, 3));
		return figures;
	}

	/** Reports, for the limits and each system, the medians over the measured rounds. */
	@Override
	@SuppressWarnings("unchecked")
	public void after(ScenarioRun run) {
		Map<String, Object> byRound = (Map<String, Object>) run.report.root.remove("cases");
		Map<String, List<Map<String, Object>>> rounds = new LinkedHashMap<>();
		byRound.forEach((round, bySystem) -> {
			if (!round.startsWith("warmup")) {
				((Map<String, Map<String, Object>>) bySystem)
					.forEach((system, figures) -> rounds.computeIfAbsent(system, k -> new ArrayList<>()).add(figures));
			}
		});
		run.report.root.put("limit", medians(rounds.get(LIMIT)));
		run.report.root.put("limit_streaming", medians(rounds.get(LIMIT_STREAMING)));
		run.report.root.put("systems", run.report.systems);
		for (String system : this.options.systems) {
			Map<String, Object> figures = medians(rounds.get(system));
			figures.put("limit_request_shape", system.equals("worker") ? "stream:true" : "stream:false");
			figures.put("lost", rounds.get(system).stream().mapToInt(f -> (int) f.get("lost")).sum());
			figures.put("rounds", rounds.get(system));
			run.report.systems.put(system, figures);
		}
	}

	/**
	 * Per numeric figure, the median over the rounds (each round's ratio uses that
	 * round's limit).
	 */
	private static Map<String, Object> medians(List<Map<String, Object>> rounds) {
		Map<String, Object> out = new LinkedHashMap<>();
		for (String key : List.of("rps", "limit_rps", "rps_vs_limit", "cpu_s_per_1k", "peak_heap_mb")) {
			List<Double> values = rounds.stream()
				.filter(r -> r.get(key) instanceof Number)
				.map(r -> ((Number) r.get(key)).doubleValue())
				.sorted()
				.toList();
			if (!values.isEmpty()) {
				out.put(key, values.get(values.size() / 2));
			}
		}
		return out;
	}

	/**
	 * A plain HTTP client loop to the same simulator with the same concurrency, measured
	 * like the systems (first arrival to last finish at the host) after a warm-up pass,
	 * so JIT warm-up does not count.
	 */
	private Map<String, Object> limit(Trial trial, boolean stream) throws Exception {
		LoopResources loops = LoopResources.create("limit", 2, true);
		ConnectionProvider pool = ConnectionProvider.builder("limit").maxConnections(this.slots).build();
		try {
			List<OllamaSimulator> sims = trial.hosts(1, this.slots);
			Sampler sampler = trial.sampler();
			HttpClient client = HttpClient.create(pool)
				.runOn(loops)
				.baseUrl(sims.get(0).baseUrl())
				.protocol(HttpProtocol.HTTP11);
			Flux.range(0, this.warmup + this.requests)
				.flatMap(i -> client.post()
					.uri("/api/chat")
					.send(ByteBufMono.fromString(Mono.just("{\"model\":\"" + BenchEnvironment.MODEL + "\",\"stream\":"
							+ stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"l-" + i
							+ " hello\"}],\"options\":{\"num_predict\":" + this.numPredict + "}}")))
					.responseSingle((res, body) -> body.asString(StandardCharsets.UTF_8)), this.slots)
				.blockLast();
			return measured(new HostLogs(sims), sampler);
		}
		finally {
			pool.dispose();
			loops.dispose();
		}
	}

	/**
	 * Requests per second and CPU per 1,000 requests after the first {@code warmup}
	 * arrivals at the host.
	 */
	private Map<String, Object> measured(HostLogs logs, Sampler sampler) {
		List<Long> arrivals = logs.served.stream().map(dev.kow.sim.RequestLog.Entry::arrivedAtMs).sorted().toList();
		long first = arrivals.get(Math.min(this.warmup, arrivals.size() - 1));
		long last = logs.lastFinishMs();
		int counted = arrivals.size() - Math.min(this.warmup, arrivals.size() - 1);
		Map<String, Object> figures = new LinkedHashMap<>();
		figures.put("rps", HostLogs.round(counted * 1000.0 / (last - first), 1));
		figures.put("cpu_s_per_1k", HostLogs.round(sampler.cpuSeconds(first, last) * 1000 / counted, 3));
		return figures;
	}

	private Map<String, Object> run(Trial trial) throws Exception {
		Set<String> ids = new HashSet<>();
		for (int i = 0; i < this.warmup + this.requests; i++) {
			String id = BenchEnvironment.id(Lane.BATCH, i);
			ids.add(id);
			trial.env.send(trial.topics.batch(), BenchEnvironment.request(id, "hello", this.numPredict));
		}
		trial.env.flush();
		List<OllamaSimulator> sims = trial.hosts(1, this.slots);
		Sampler sampler = trial.sampler();
		boolean complete;
		try (SystemUnderTest sut = trial.start(this.slots)) {
			// results are read once the host has answered everything, so that the
			// harness's
			// reader does not take CPU from the system while it is measured
			awaitAnswered(sims.get(0), ids.size(), Duration.ofMinutes(10));
			complete = trial.reader().awaitAll(ids, Duration.ofMinutes(2));
		}
		Map<String, Object> figures = measured(new HostLogs(sims), sampler);
		figures.put("lost", trial.reader().lost(ids));
		figures.put("complete", complete);
		figures.put("peak_heap_mb", HostLogs.round(sampler.peakHeapMb(), 1));
		return figures;
	}

	private static void awaitAnswered(OllamaSimulator host, int count, Duration timeout) {
		long until = System.nanoTime() + timeout.toNanos();
		while (host.requestLog().finished() < count && System.nanoTime() < until) {
			BenchEnvironment.sleep(20);
		}
	}

}
