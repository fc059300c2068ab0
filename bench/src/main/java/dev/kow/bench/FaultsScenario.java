package dev.kow.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.kow.prompts.SamplePrompts;
import dev.kow.sim.Fault;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.Profile;
import dev.kow.sim.RequestLog;
import dev.kow.worker.job.Lane;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code faults}: sick hosts, one case at a time, each system on fresh topics and fresh
 * hosts. Requests arrive at a steady rate (below the fleet's capacity) for
 * {@code --duration}; host 0 is the sick one (in {@code cold-loads}, host 2). Everything
 * is judged from what the hosts saw (the simulators' request logs) and what reached the
 * results and dead-letter topics:
 * <ul>
 * <li>{@code lost}: no result and no dead letter, and the system's consumer group
 * committed past the request (it will never be redone); {@code unfinished}: no outcome
 * when the case ended, committed or not;</li>
 * <li>{@code false_timeouts}: answers the client gave up on while the host was healthy
 * for them (no fault drawn, or a healthy but slow host), before the system was
 * stopped;</li>
 * <li>{@code wasted_gpu_s}: slot time (grant to end, wall clock) of every answer that did
 * not complete;</li>
 * <li>{@code failover_s} (host-down, flapping): from the host going down until every
 * request it was serving was running again, on another host or (when the system waited)
 * on the same one once it was back; {@code resumed_on_failed_host} counts the
 * latter;</li>
 * <li>{@code p50_ms}/{@code p99_ms}: request sent to first outcome read.</li>
 * </ul>
 */
@Command(name = "faults", mixinStandardHelpOptions = true,
		description = "Sick hosts, side by side: loss, false timeouts, wasted GPU time, failover, p99.")
final class FaultsScenario implements Callable<Integer> {

	/** The cases, by report name. */
	static final List<String> CASES = List.of("host-down", "flapping", "503-storm", "stalls", "truncated-streams",
			"slow-first-token", "cold-loads", "slow-healthy-host");

	@Mixin
	BenchOptions options = new BenchOptions();

	@Mixin
	FleetOptions fleet = new FleetOptions();

	@Option(names = "--cases", split = ",", description = "Cases to run (default: all of ${COMPLETION-CANDIDATES}).",
			completionCandidates = CaseNames.class)
	List<String> cases = CASES;

	@Option(names = "--rate", defaultValue = "30",
			description = "Requests per second (default ${DEFAULT-VALUE}; the fleet serves about 48 at time scale 0.1).")
	int rate;

	@Option(names = "--duration", defaultValue = "15", description = "Seconds of arrivals (default ${DEFAULT-VALUE}).")
	int durationSeconds;

	@Option(names = "--drain-timeout", defaultValue = "45",
			description = "Seconds to wait for outstanding outcomes after the last arrival (default ${DEFAULT-VALUE}).")
	int drainSeconds;

	@Option(names = "--warmup", defaultValue = "8",
			description = "Seconds of fault-free arrivals per system before the cases, not reported, so the first case does not pay for JIT compilation (default ${DEFAULT-VALUE}).")
	int warmupSeconds;

	static final class CaseNames extends ArrayList<String> {

		CaseNames() {
			super(CASES);
		}

	}

	@Override
	public Integer call() throws Exception {
		double timeScale = this.options.timeScale != null ? this.options.timeScale : 0.1;
		Report report = new Report("faults");
		report.root.remove("systems");
		report.config.putAll(Map.of("hosts", this.fleet.hosts, "slots_per_host", this.fleet.slots, "time_scale",
				timeScale, "rate_per_s", this.rate, "duration_s", this.durationSeconds, "drain_timeout_s",
				this.drainSeconds, "sick_host", "sim-0 (cold-loads: sim-2)"));
		Map<String, Object> results = new LinkedHashMap<>();
		report.root.put("cases", results);
		List<SamplePrompts.Prompt> prompts = SamplePrompts.read(null, 0);
		try (BenchEnvironment env = new BenchEnvironment()) {
			this.options.applyTo(env, report);
			if (this.warmupSeconds > 0) {
				for (String system : this.options.systems) {
					System.out.printf("faults: warm-up / %s ...%n", system);
					run(env, "warmup", system, timeScale, prompts, this.warmupSeconds);
				}
			}
			for (String name : this.cases) {
				if (!CASES.contains(name)) {
					throw new IllegalArgumentException("unknown case '" + name + "'; known: " + CASES);
				}
				Map<String, Object> bySystem = new LinkedHashMap<>();
				results.put(name, bySystem);
				for (String system : this.options.systems) {
					System.out.printf("faults: %s / %s ...%n", name, system);
					Map<String, Object> figures = run(env, name, system, timeScale, prompts, this.durationSeconds);
					bySystem.put(system, figures);
					System.out.printf("faults: %s / %s %s%n", name, system, figures);
				}
			}
		}
		report.write(this.options);
		return 0;
	}

	private Map<String, Object> run(BenchEnvironment env, String name, String system, double timeScale,
			List<SamplePrompts.Prompt> prompts, int seconds) throws Exception {
		Topics topics = env.topics(system, this.fleet.partitions);
		List<OllamaSimulator> sims = env.hosts(this.fleet.hosts, this.fleet.slots, timeScale,
				host -> profile(name, host));
		Map<String, Long> sentAtMs = new ConcurrentHashMap<>();
		Map<String, RecordMetadata> written = new ConcurrentHashMap<>();
		ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
		long[] failedAtMs = { 0 };
		try (BenchEnvironment.ResultReader reader = env.new ResultReader(topics)) {
			long closeStartMs;
			try (SystemUnderTest sut = SystemUnderTest.start(system, env, topics, sims, this.fleet.slots)) {
				failedAtMs[0] = schedule(name, sims, clock);
				int total = this.rate * seconds;
				long start = System.nanoTime();
				for (int i = 0; i < total; i++) {
					long due = start + (long) (i * 1e9 / this.rate);
					long wait = due - System.nanoTime();
					if (wait > 0) {
						TimeUnit.NANOSECONDS.sleep(wait);
					}
					String id = BenchEnvironment.id(Lane.BATCH, i);
					sentAtMs.put(id, System.currentTimeMillis());
					env.send(topics.batch(), BenchEnvironment.request(id, prompts.get(i % prompts.size()).text(), 0),
							written::put);
				}
				env.flush();
				reader.awaitOutcomes(sentAtMs.keySet(), Duration.ofSeconds(this.drainSeconds));
				closeStartMs = System.currentTimeMillis();
			}
			finally {
				clock.shutdownNow();
			}
			long committedLost = lost(env, topics, sentAtMs.keySet(), reader, written);
			return figures(name, sims, reader, sentAtMs, committedLost, closeStartMs, failedAtMs[0]);
		}
		finally {
			sims.forEach(OllamaSimulator::close);
		}
	}

	/**
	 * The sick host's speed profile: 4x slower in {@code slow-healthy-host}, a 30 s cold
	 * load in {@code cold-loads}.
	 */
	private static Profile profile(String name, int host) {
		Profile base = Profile.GPU_4090;
		return switch (name) {
			case "slow-healthy-host" ->
				host == 0 ? new Profile("slow", base.decodeTokensPerSecond() / 4, base.prefillTokensPerSecond() / 4,
						base.warmLoad(), base.coldLoad(), base.concurrencySlowdown()) : base;
			case "cold-loads" -> new Profile("cold", base.decodeTokensPerSecond(), base.prefillTokensPerSecond(),
					base.warmLoad(), Duration.ofSeconds(30), base.concurrencySlowdown());
			default -> base;
		};
	}

	/**
	 * Starts the case's faults on a timer.
	 * @return when host 0 first goes down (epoch ms), 0 for cases without a host going
	 * down
	 */
	private static long schedule(String name, List<OllamaSimulator> sims, ScheduledExecutorService clock) {
		OllamaSimulator sick = sims.get(0);
		long now = System.currentTimeMillis();
		switch (name) {
			case "host-down" -> {
				clock.schedule(() -> sick.downFor(Duration.ofSeconds(8)), 4, TimeUnit.SECONDS);
				return now + 4000;
			}
			case "flapping" -> {
				for (int i = 0; i < 4; i++) {
					clock.schedule(() -> sick.downFor(Duration.ofMillis(1500)), 3000 + i * 3000L,
							TimeUnit.MILLISECONDS);
				}
				return now + 3000;
			}
			case "503-storm" -> {
				clock.schedule(() -> sick.faults().rate(Fault.BUSY_503, 0.9), 3, TimeUnit.SECONDS);
				clock.schedule(() -> sick.faults().rate(Fault.BUSY_503, 0), 11, TimeUnit.SECONDS);
			}
			case "stalls" -> sick.faults().rate(Fault.STALL_MIDSTREAM, 0.2);
			case "truncated-streams" -> sick.faults().rate(Fault.TRUNCATED_STREAM, 0.2);
			// 60 s of model time before the first token: 6 s at time scale 0.1
			case "slow-first-token" ->
				sick.faults().slowFirstToken(Duration.ofSeconds(60)).rate(Fault.SLOW_FIRST_TOKEN, 0.2);
			// the third host is down at the start and comes up cold after 6 s, once
			// budgets were learned elsewhere
			case "cold-loads" -> sims.get(2).downFor(Duration.ofSeconds(6));
			case "slow-healthy-host", "warmup" -> {
				// no fault: the host is healthy (in slow-healthy-host only slow)
			}
			default -> throw new IllegalArgumentException(name);
		}
		return 0;
	}

	/**
	 * Requests with no outcome whose offset the system's consumer group committed past.
	 */
	private static long lost(BenchEnvironment env, Topics topics, Set<String> ids, BenchEnvironment.ResultReader reader,
			Map<String, RecordMetadata> written) throws Exception {
		Map<TopicPartition, OffsetAndMetadata> committed;
		try (Admin admin = Admin.create(Map.of("bootstrap.servers", env.bootstrap))) {
			committed = admin.listConsumerGroupOffsets(topics.group())
				.partitionsToOffsetAndMetadata()
				.get(30, TimeUnit.SECONDS);
		}
		return ids.stream().filter(id -> !reader.outcomeAtMs.containsKey(id)).filter(id -> {
			RecordMetadata record = written.get(id);
			OffsetAndMetadata mark = committed.get(new TopicPartition(record.topic(), record.partition()));
			return mark != null && mark.offset() > record.offset();
		}).count();
	}

	private Map<String, Object> figures(String name, List<OllamaSimulator> sims, BenchEnvironment.ResultReader reader,
			Map<String, Long> sentAtMs, long lost, long closeStartMs, long failedAtMs) {
		List<List<RequestLog.Entry>> logs = sims.stream().map(s -> s.requestLog().entries()).toList();
		List<RequestLog.Entry> all = logs.stream().flatMap(List::stream).toList();
		Map<String, Object> figures = new LinkedHashMap<>();
		figures.put("lost", lost);
		figures.put("unfinished", sentAtMs.keySet().stream().filter(id -> !reader.outcomeAtMs.containsKey(id)).count());
		figures.put("succeeded", sentAtMs.keySet().stream().filter(reader.succeeded::contains).count());
		figures.put("dead_lettered", sentAtMs.keySet().stream().filter(reader.deadLettered::contains).count());
		figures.put("false_timeouts",
				all.stream()
					.filter(e -> e.clientGone() && e.finishedAtMs() < closeStartMs && (e.fault() == Fault.NONE))
					.count());
		figures.put("wasted_gpu_s",
				HostLogs.round(all.stream()
					.filter(e -> e.grantedAtMs() > 0 && !e.completed())
					.mapToLong(RequestLog.Entry::serviceMs)
					.sum() / 1000.0, 2));
		figures.put("attempts_at_hosts", all.size());
		if (!reader.failedAttempts.isEmpty()) {
			figures.put("failed_attempts", new java.util.TreeMap<>(reader.failedAttempts));
		}
		if (failedAtMs > 0) {
			figures.putAll(failover(logs, failedAtMs));
		}
		if (name.equals("stalls")) {
			figures.putAll(stallDetection(logs.get(0)));
		}
		List<Long> latencies = new ArrayList<>();
		reader.outcomeAtMs.forEach((id, at) -> {
			Long sent = sentAtMs.get(id);
			if (sent != null) {
				latencies.add(at - sent);
			}
		});
		Map<String, Object> percentiles = HostLogs.percentiles(latencies);
		figures.put("p50_ms", percentiles.get("p50"));
		figures.put("p99_ms", percentiles.get("p99"));
		return figures;
	}

	/**
	 * From the host going down until the last of the requests it was serving was running
	 * again (arrived at a host), with how many of them went back to the failed host once
	 * it was up again instead of moving; {@code null} when the host had nothing in
	 * flight.
	 */
	private static Map<String, Object> failover(List<List<RequestLog.Entry>> logs, long failedAtMs) {
		List<String> interrupted = logs.get(0)
			.stream()
			.filter(e -> !e.completed() && !e.clientGone() && e.arrivedAtMs() <= failedAtMs
					&& e.finishedAtMs() >= failedAtMs && e.finishedAtMs() < failedAtMs + 2000)
			.map(RequestLog.Entry::tag)
			.toList();
		Map<String, Object> out = new LinkedHashMap<>();
		if (interrupted.isEmpty()) {
			out.put("failover_s", null);
			return out;
		}
		Map<String, Long> resumedAt = new HashMap<>();
		Map<String, Integer> resumedOn = new HashMap<>();
		for (int host = 0; host < logs.size(); host++) {
			for (RequestLog.Entry e : logs.get(host)) {
				if (e.arrivedAtMs() > failedAtMs && interrupted.contains(e.tag())
						&& e.arrivedAtMs() < resumedAt.getOrDefault(e.tag(), Long.MAX_VALUE)) {
					resumedAt.put(e.tag(), e.arrivedAtMs());
					resumedOn.put(e.tag(), host);
				}
			}
		}
		out.put("failover_s", resumedAt.size() < interrupted.size() ? "never" : HostLogs
			.round(resumedAt.values().stream().mapToLong(at -> at - failedAtMs).max().orElse(0) / 1000.0, 2));
		out.put("interrupted", interrupted.size());
		out.put("resumed_on_failed_host", resumedOn.values().stream().filter(host -> host == 0).count());
		return out;
	}

	/**
	 * How long a stalled stream went on before the client gave up, against the host's
	 * normal gap between chunks (median over its completed answers of 3 chunks or more).
	 */
	private static Map<String, Object> stallDetection(List<RequestLog.Entry> log) {
		List<Long> detect = log.stream()
			.filter(e -> e.fault() == Fault.STALL_MIDSTREAM && e.lastChunkAtMs() > 0)
			.map(e -> e.finishedAtMs() - e.lastChunkAtMs())
			.toList();
		List<Double> gaps = log.stream()
			.filter(e -> e.completed() && e.chunks() >= 3)
			.map(e -> (e.lastChunkAtMs() - e.firstChunkAtMs()) / (double) (e.chunks() - 1))
			.sorted()
			.toList();
		double gap = gaps.isEmpty() ? 0 : gaps.get(gaps.size() / 2);
		Map<String, Object> percentiles = HostLogs.percentiles(detect);
		Map<String, Object> out = new LinkedHashMap<>();
		out.put("stalls", detect.size());
		out.put("stall_detect_ms", Map.of("p50", percentiles.get("p50"), "max",
				detect.stream().mapToLong(Long::longValue).max().orElse(0)));
		out.put("chunk_gap_ms", HostLogs.round(gap, 1));
		out.put("stall_detect_p50_vs_gap",
				gap == 0 ? null : HostLogs.round(((Number) percentiles.get("p50")).doubleValue() / gap, 1));
		return out;
	}

}
