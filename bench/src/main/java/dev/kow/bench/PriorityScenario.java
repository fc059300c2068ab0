package dev.kow.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.kow.avro.InferenceRequest;
import dev.kow.prompts.SamplePrompts;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.RequestLog;
import dev.kow.worker.job.Lane;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code priority}: a batch backlog fills every slot, then high and normal requests
 * arrive at a steady rate. Queue wait = slot grant at the host minus the request's
 * {@code created_at}, so time spent in a queue inside Ollama counts too. Lane shares are
 * the slot grants per lane while the trickle runs. {@code wait_from_append_ms} starts at
 * the broker's append time of the request instead (the lane topics use
 * {@code LogAppendTime}): the wait of the system alone, without the harness's produce
 * latency ({@code produce_ms}, created to appended), which on a loaded 2-core machine
 * reaches tens of ms at p99 for every system alike. {@code preempted} counts the answers
 * granted in that window whose client left before the end (the worker's preemption
 * victims), and {@code preempted_slot_s} the slot time they had used, against
 * {@code window_slot_s}, the slot time of every grant in the window; the mean batch
 * service time counts completed answers only. {@code failed_attempts} counts the failed
 * attempts in the published results by error class (preemptions included).
 */
@Command(name = "priority", mixinStandardHelpOptions = true, description = "Queue wait per lane under a batch flood.")
final class PriorityScenario implements Callable<Integer>, Scenario {

	@Mixin
	BenchOptions options = new BenchOptions();

	@Option(names = "--backlog", defaultValue = "10000",
			description = "Batch requests queued first (default ${DEFAULT-VALUE}).")
	int backlog;

	@Option(names = "--rate", defaultValue = "5",
			description = "High and normal requests per second, each (default ${DEFAULT-VALUE}).")
	double rate;

	@Option(names = "--duration", defaultValue = "60",
			description = "Seconds of trickle: 300 requests per lane at the default rate, so p99 is the third-largest wait; with 20 s (100 requests) it was the second-largest, and one scheduling hiccup of the 2-core machine moved the worker's high-lane p99 between 22 and 87 ms from run to run (default ${DEFAULT-VALUE}).")
	int duration;

	@Mixin
	FleetOptions fleet = new FleetOptions();

	@Override
	public Integer call() throws Exception {
		return ScenarioRun.run(this, this.options);
	}

	@Override
	public String name() {
		return "priority";
	}

	@Override
	public Map<String, Object> config(double timeScale) {
		return Map.of("backlog", this.backlog, "rate_per_lane_per_s", this.rate, "duration_s", this.duration, "hosts",
				this.fleet.hosts, "slots_per_host", this.fleet.slots, "partitions_per_lane", this.fleet.partitions,
				"time_scale", timeScale, "worker_weights", "8:3:1");
	}

	@Override
	public int partitions() {
		return this.fleet.partitions;
	}

	@Override
	public Map<String, Object> measure(Trial trial) throws Exception {
		BenchEnvironment env = trial.env;
		Topics topics = trial.topics;
		List<SamplePrompts.Prompt> prompts = trial.run.prompts;
		env.sendBacklog(topics, this.backlog, prompts);
		List<OllamaSimulator> sims = trial.hosts(this.fleet.hosts, this.fleet.slots);
		Map<String, Long> createdAt = new HashMap<>();
		Map<String, Long> appendedAt = new java.util.concurrent.ConcurrentHashMap<>();
		long trickleStart;
		long trickleEnd;
		BenchEnvironment.ResultReader reader = trial.reader();
		Sampler sampler = trial.sampler();
		boolean complete;
		try (SystemUnderTest sut = trial.start(this.fleet.slots)) {
			awaitBusy(sims, Duration.ofSeconds(60));
			trickleStart = System.currentTimeMillis();
			long periodNanos = (long) (1e9 / (2 * this.rate));
			long next = System.nanoTime();
			int n = 0;
			while (System.currentTimeMillis() - trickleStart < this.duration * 1000L) {
				Lane lane = n % 2 == 0 ? Lane.HIGH : Lane.NORMAL;
				String id = BenchEnvironment.id(lane, n);
				InferenceRequest request = BenchEnvironment.request(id, prompts.get((7 * n) % prompts.size()).text(),
						0);
				createdAt.put(id, request.getCreatedAt().toEpochMilli());
				env.send(topics.of(lane), request, (sent, metadata) -> appendedAt.put(sent, metadata.timestamp()));
				env.flush();
				n++;
				next += periodNanos;
				long sleep = (next - System.nanoTime()) / 1_000_000;
				if (sleep > 0) {
					BenchEnvironment.sleep(sleep);
				}
			}
			trickleEnd = System.currentTimeMillis();
			complete = reader.awaitAll(createdAt.keySet(), Duration.ofMinutes(5));
		}
		HostLogs logs = new HostLogs(sims);
		Map<Lane, List<Long>> waits = new EnumMap<>(Lane.class);
		Map<Lane, List<Long>> systemWaits = new EnumMap<>(Lane.class);
		for (RequestLog.Entry entry : logs.served) {
			Long created = createdAt.get(entry.tag());
			if (created != null) {
				Lane lane = BenchEnvironment.laneOf(entry.tag());
				waits.computeIfAbsent(lane, l -> new ArrayList<>()).add(entry.grantedAtMs() - created);
				Long appended = appendedAt.get(entry.tag());
				if (appended != null) {
					systemWaits.computeIfAbsent(lane, l -> new ArrayList<>()).add(entry.grantedAtMs() - appended);
				}
			}
		}
		List<RequestLog.Entry> window = logs
			.where(e -> e.grantedAtMs() >= trickleStart && e.grantedAtMs() <= trickleEnd);
		double batchService = window.stream()
			.filter(e -> BenchEnvironment.laneOf(e.tag()) == Lane.BATCH && e.completed())
			.mapToLong(RequestLog.Entry::serviceMs)
			.average()
			.orElse(0);
		List<RequestLog.Entry> stopped = window.stream().filter(RequestLog.Entry::clientGone).toList();
		Map<String, Object> readDelay = new LinkedHashMap<>();
		Map<String, Object> produced = new LinkedHashMap<>();
		Map<String, Object> fromAppend = new LinkedHashMap<>();
		for (Lane lane : List.of(Lane.HIGH, Lane.NORMAL)) {
			fromAppend.put(lane.key(), HostLogs.percentiles(systemWaits.getOrDefault(lane, List.of())));
			readDelay.put(lane.key(),
					HostLogs.percentiles(createdAt.keySet()
						.stream()
						.filter(id -> BenchEnvironment.laneOf(id) == lane && reader.readDelayMs.containsKey(id))
						.map(reader.readDelayMs::get)
						.toList()));
			produced.put(lane.key(),
					HostLogs.percentiles(createdAt.keySet()
						.stream()
						.filter(id -> BenchEnvironment.laneOf(id) == lane && appendedAt.containsKey(id))
						.map(id -> appendedAt.get(id) - createdAt.get(id))
						.toList()));
		}
		Map<String, Object> waitMs = new LinkedHashMap<>();
		Map<String, Object> waitX = new LinkedHashMap<>();
		for (Lane lane : List.of(Lane.HIGH, Lane.NORMAL)) {
			Map<String, Object> p = HostLogs.percentiles(waits.getOrDefault(lane, List.of()));
			waitMs.put(lane.key(), p);
			Map<String, Object> x = new LinkedHashMap<>();
			for (String q : List.of("p50", "p95", "p99")) {
				x.put(q, HostLogs.round(((Number) p.get(q)).doubleValue() / batchService, 3));
			}
			waitX.put(lane.key(), x);
		}
		Map<String, Object> shares = new LinkedHashMap<>();
		for (Lane lane : Lane.values()) {
			long granted = window.stream().filter(e -> BenchEnvironment.laneOf(e.tag()) == lane).count();
			shares.put(lane.key(), HostLogs.round(window.isEmpty() ? 0 : (double) granted / window.size(), 3));
		}
		Map<String, Object> figures = new LinkedHashMap<>();
		figures.put("wait_ms", waitMs);
		figures.put("wait_x_batch_service", waitX);
		figures.put("wait_from_append_ms", fromAppend);
		figures.put("produce_ms", produced);
		figures.put("read_delay_ms", readDelay);
		figures.put("batch_service_mean_ms", HostLogs.round(batchService, 1));
		figures.put("lane_share", shares);
		figures.put("preempted", stopped.size());
		figures.put("preempted_slot_s",
				HostLogs.round(stopped.stream().mapToLong(RequestLog.Entry::serviceMs).sum() / 1000.0, 2));
		figures.put("window_slot_s",
				HostLogs.round(window.stream().mapToLong(RequestLog.Entry::serviceMs).sum() / 1000.0, 2));
		figures.put("failed_attempts", new java.util.TreeMap<>(reader.failedAttempts));
		figures.put("trickle_requests", createdAt.size());
		figures.put("lost", reader.lost(createdAt.keySet()));
		figures.put("complete", complete);
		figures.put("peak_heap_mb", HostLogs.round(sampler.peakHeapMb(), 1));
		return figures;
	}

	private static void awaitBusy(List<OllamaSimulator> sims, Duration timeout) {
		int slots = sims.stream().mapToInt(s -> s.config().numParallel()).sum();
		long until = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < until && sims.stream().mapToInt(s -> s.requestLog().inFlight()).sum() < slots) {
			BenchEnvironment.sleep(20);
		}
		BenchEnvironment.sleep(1000);
	}

}
