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
final class FaultsScenario implements Callable<Integer>, Scenario {

	/** The cases, by report name. */
	static final List<String> CASES = FaultCase.keys();

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
		return ScenarioRun.run(this, this.options);
	}

	@Override
	public String name() {
		return "faults";
	}

	@Override
	public Map<String, Object> config(double timeScale) {
		return Map.of("hosts", this.fleet.hosts, "slots_per_host", this.fleet.slots, "time_scale", timeScale,
				"rate_per_s", this.rate, "duration_s", this.durationSeconds, "drain_timeout_s", this.drainSeconds,
				"sick_host", "sim-0 (cold-loads: sim-2)");
	}

	@Override
	public int partitions() {
		return this.fleet.partitions;
	}

	@Override
	public List<String> cases() {
		return this.cases.stream().map(FaultCase::of).map(c -> c.key).toList();
	}

	@Override
	public void before(ScenarioRun run) throws Exception {
		if (this.warmupSeconds > 0) {
			for (String system : this.options.systems) {
				System.out.printf("faults: warm-up / %s ...%n", system);
				try (Trial trial = new Trial(run, FaultCase.WARMUP.key, system,
						run.env.topics(system, this.fleet.partitions))) {
					run(trial, FaultCase.WARMUP, this.warmupSeconds);
				}
			}
		}
	}

	@Override
	public Map<String, Object> measure(Trial trial) throws Exception {
		return run(trial, FaultCase.of(trial.caseName), this.durationSeconds);
	}

	private Map<String, Object> run(Trial trial, FaultCase faultCase, int seconds) throws Exception {
		BenchEnvironment env = trial.env;
		Topics topics = trial.topics;
		List<SamplePrompts.Prompt> prompts = trial.run.prompts;
		List<OllamaSimulator> sims = trial.hosts(this.fleet.hosts, this.fleet.slots, faultCase::profile);
		Map<String, Long> sentAtMs = new ConcurrentHashMap<>();
		Map<String, RecordMetadata> written = new ConcurrentHashMap<>();
		ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
		long[] failedAtMs = { 0 };
		BenchEnvironment.ResultReader reader = trial.reader();
		long closeStartMs;
		try (SystemUnderTest sut = trial.start(this.fleet.slots)) {
			failedAtMs[0] = faultCase.start(sims, clock);
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
		return figures(faultCase, sims, reader, sentAtMs, committedLost, closeStartMs, failedAtMs[0]);
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

	private Map<String, Object> figures(FaultCase faultCase, List<OllamaSimulator> sims,
			BenchEnvironment.ResultReader reader, Map<String, Long> sentAtMs, long lost, long closeStartMs,
			long failedAtMs) {
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
		if (faultCase.measuresStallDetection()) {
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
