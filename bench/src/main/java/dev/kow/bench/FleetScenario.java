package dev.kow.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import dev.kow.avro.InferenceRequest;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.RequestLog;
import dev.kow.worker.WorkerApplication;
import dev.kow.worker.job.Lane;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fleet}: fleets of workers sharing hosts, slots split by demand ({@code worker},
 * {@code slot-sharing.mode=demand}) against today's equal split ({@code worker-static},
 * {@code mode=static}). The workers of a fleet run in this JVM (separate Spring
 * contexts), since a 2-core machine cannot hold six worker processes, the broker and the
 * hosts. Cases:
 * <ul>
 * <li>{@code skew}: 3 workers, 2 hosts x 4 slots, a batch backlog on one partition:
 * {@code throughput_ratio} of the hosts' ideal;</li>
 * <li>{@code burst}: 3 workers, 2 hosts x 4 slots, a batch backlog over all partitions,
 * then high-priority requests on one partition: their wait (slot grant minus
 * {@code created_at}) against the mean batch service, and the high lane's share of the
 * grants while they arrive;</li>
 * <li>{@code overscaled}: 6 workers, 1 host x 4 slots, requests over all partitions of
 * the three lanes: completed, the longest wait, {@code throughput_ratio}.</li>
 * </ul>
 * Every case reports lost and duplicate results and how long the hosts were over their
 * slots.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
		description = "Worker fleets: slots split by demand against the equal split.")
final class FleetScenario implements Callable<Integer>, Scenario {

	@Mixin
	BenchOptions options = new BenchOptions();

	@Option(names = "--skew-requests", defaultValue = "4000",
			description = "Batch requests on one partition in skew (default ${DEFAULT-VALUE}).")
	int skewRequests;

	@Option(names = "--burst-backlog", defaultValue = "2000",
			description = "Batch backlog of burst (default ${DEFAULT-VALUE}).")
	int burstBacklog;

	@Option(names = "--burst-requests", defaultValue = "300",
			description = "High-priority requests of burst, sent within 10 s (default ${DEFAULT-VALUE}).")
	int burstRequests;

	@Option(names = "--overscaled-requests", defaultValue = "1200",
			description = "Requests over the three lanes in overscaled (default ${DEFAULT-VALUE}).")
	int overscaledRequests;

	@Option(names = "--cases", split = ",", defaultValue = "skew,burst,overscaled",
			description = "Cases to run (default ${DEFAULT-VALUE}).")
	List<String> cases;

	@Option(names = "--fleet-systems", split = ",", defaultValue = "worker,worker-static",
			description = "worker (slots by demand) and worker-static (equal split) (default ${DEFAULT-VALUE}).")
	List<String> fleetSystems;

	@Option(names = "--partitions", defaultValue = "6",
			description = "Partitions per lane topic (default ${DEFAULT-VALUE}).")
	int partitions;

	@Override
	public Integer call() throws Exception {
		return ScenarioRun.run(this, this.options);
	}

	@Override
	public String name() {
		return "fleet";
	}

	@Override
	public Map<String, Object> config(double timeScale) {
		return Map.of("time_scale", timeScale, "partitions_per_lane", this.partitions, "skew_requests",
				this.skewRequests, "burst_backlog", this.burstBacklog, "burst_requests", this.burstRequests,
				"overscaled_requests", this.overscaledRequests, "workers_in", "one JVM, separate Spring contexts");
	}

	@Override
	public int partitions() {
		return this.partitions;
	}

	@Override
	public List<String> cases() {
		return this.cases;
	}

	@Override
	public List<String> systems(List<String> chosen) {
		return this.fleetSystems;
	}

	@Override
	public Map<String, Object> measure(Trial trial) throws Exception {
		return switch (trial.caseName) {
			case "skew" -> skew(trial);
			case "burst" -> burst(trial);
			case "overscaled" -> overscaled(trial);
			default -> throw new IllegalArgumentException(trial.caseName);
		};
	}

	private Map<String, Object> skew(Trial trial) throws Exception {
		List<OllamaSimulator> hosts = trial.hosts(2, 4);
		try (Fleet fleet = new Fleet(trial, hosts, 4, 3)) {
			Set<String> ids = new HashSet<>();
			for (int i = 0; i < this.skewRequests; i++) {
				InferenceRequest request = request(trial, Lane.BATCH, i);
				ids.add(request.getId());
				trial.env.send(trial.topics.batch(), 0, request);
			}
			trial.env.flush();
			boolean complete = trial.reader().awaitAll(ids, Duration.ofMinutes(10));
			Map<String, Object> figures = common(trial, hosts, ids, complete);
			HostLogs logs = new HostLogs(hosts);
			figures.put("throughput_ratio",
					HostLogs.round(logs.idealMakespanMs() / (logs.lastFinishMs() - logs.firstArrivalMs()), 3));
			return figures;
		}
	}

	private Map<String, Object> burst(Trial trial) throws Exception {
		List<OllamaSimulator> hosts = trial.hosts(2, 4);
		try (Fleet fleet = new Fleet(trial, hosts, 4, 3)) {
			Set<String> ids = new HashSet<>();
			for (int i = 0; i < this.burstBacklog; i++) {
				InferenceRequest request = request(trial, Lane.BATCH, i);
				ids.add(request.getId());
				trial.env.send(trial.topics.batch(), i % this.partitions, request);
			}
			trial.env.flush();
			awaitBusy(hosts, 8);
			Map<String, Long> createdAt = new HashMap<>();
			long start = System.currentTimeMillis();
			for (int i = 0; i < this.burstRequests; i++) {
				InferenceRequest request = request(trial, Lane.HIGH, i);
				ids.add(request.getId());
				createdAt.put(request.getId(), request.getCreatedAt().toEpochMilli());
				trial.env.send(trial.topics.high(), 0, request);
				trial.env.flush();
				BenchEnvironment.sleep(10_000L / this.burstRequests);
			}
			long end = System.currentTimeMillis();
			boolean complete = trial.reader().awaitAll(createdAt.keySet(), Duration.ofMinutes(5));
			Map<String, Object> figures = common(trial, hosts, createdAt.keySet(), complete);
			HostLogs logs = new HostLogs(hosts);
			List<Long> waits = new ArrayList<>();
			for (RequestLog.Entry entry : logs.served) {
				Long created = createdAt.get(entry.tag());
				if (created != null && entry.grantedAtMs() > 0) {
					waits.add(entry.grantedAtMs() - created);
				}
			}
			double batchService = logs.served.stream()
				.filter(e -> BenchEnvironment.laneOf(e.tag()) == Lane.BATCH && e.completed())
				.mapToLong(RequestLog.Entry::serviceMs)
				.average()
				.orElse(0);
			Map<String, Object> p = HostLogs.percentiles(waits);
			figures.put("high_wait_ms", p);
			figures.put("high_p99_x_batch_service",
					HostLogs.round(((Number) p.get("p99")).doubleValue() / batchService, 3));
			figures.put("batch_service_mean_ms", HostLogs.round(batchService, 1));
			List<RequestLog.Entry> window = logs.where(e -> e.grantedAtMs() >= start && e.grantedAtMs() <= end + 2000);
			long high = window.stream().filter(e -> BenchEnvironment.laneOf(e.tag()) == Lane.HIGH).count();
			figures.put("high_share_of_grants",
					HostLogs.round(window.isEmpty() ? 0 : (double) high / window.size(), 3));
			return figures;
		}
	}

	private Map<String, Object> overscaled(Trial trial) throws Exception {
		List<OllamaSimulator> hosts = trial.hosts(1, 4);
		try (Fleet fleet = new Fleet(trial, hosts, 4, 6)) {
			Set<String> ids = new HashSet<>();
			Map<String, Long> createdAt = new HashMap<>();
			for (int i = 0; i < this.overscaledRequests; i++) {
				Lane lane = BenchEnvironment.mixedLane(i);
				InferenceRequest request = request(trial, lane, i);
				ids.add(request.getId());
				createdAt.put(request.getId(), request.getCreatedAt().toEpochMilli());
				trial.env.send(trial.topics.of(lane), i % this.partitions, request);
			}
			trial.env.flush();
			// the equal split strands the partitions of the workers left without a slot:
			// their requests never complete, so the wait is bounded
			boolean complete = trial.reader().awaitAll(ids, Duration.ofSeconds(180));
			Map<String, Object> figures = common(trial, hosts, ids, complete);
			HostLogs logs = new HostLogs(hosts);
			figures.put("completed", ids.size() - trial.reader().lost(ids));
			figures.put("longest_wait_ms",
					logs.served.stream()
						.filter(e -> createdAt.containsKey(e.tag()) && e.grantedAtMs() > 0)
						.mapToLong(e -> e.grantedAtMs() - createdAt.get(e.tag()))
						.max()
						.orElse(0));
			figures.put("throughput_ratio",
					HostLogs.round(logs.idealMakespanMs() / (logs.lastFinishMs() - logs.firstArrivalMs()), 3));
			return figures;
		}
	}

	private InferenceRequest request(Trial trial, Lane lane, int i) {
		return BenchEnvironment.request(BenchEnvironment.id(lane, i),
				trial.run.prompts.get(i % trial.run.prompts.size()).text(), 0);
	}

	/** Lost, duplicates and the time over slots, for every case. */
	private static Map<String, Object> common(Trial trial, List<OllamaSimulator> hosts, Set<String> ids,
			boolean complete) {
		Map<String, Object> figures = new LinkedHashMap<>();
		figures.put("lost", trial.reader().lost(ids));
		figures.put("duplicates", trial.reader().duplicates(ids));
		figures.put("complete", complete);
		long over = 0;
		int peak = 0;
		for (OllamaSimulator host : hosts) {
			over += host.requestLog().msAbove(host.config().numParallel());
			peak = Math.max(peak, host.requestLog().peakOverlap());
		}
		HostLogs logs = new HostLogs(hosts);
		long run = logs.lastFinishMs() - logs.firstArrivalMs();
		figures.put("over_slots_ms", over);
		figures.put("over_slots_fraction", HostLogs.round(run <= 0 ? 0 : (double) over / run, 4));
		figures.put("peak_in_flight_at_a_host", peak);
		return figures;
	}

	private static void awaitBusy(List<OllamaSimulator> hosts, int slots) {
		long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (System.nanoTime() < until && hosts.stream().mapToInt(h -> h.requestLog().inFlight()).sum() < slots) {
			BenchEnvironment.sleep(20);
		}
	}

	/**
	 * {@code count} workers in this JVM, one Spring context each, on the trial's topics
	 * and hosts.
	 */
	private static final class Fleet implements AutoCloseable {

		private final List<ConfigurableApplicationContext> workers = new ArrayList<>();

		Fleet(Trial trial, List<OllamaSimulator> hosts, int slotsPerHost, int count) throws Exception {
			try (Admin admin = Admin.create(Map.of("bootstrap.servers", trial.env.bootstrap))) {
				for (int i = 0; i < count; i++) {
					Map<String, Object> props = WorkerSystem.properties(trial.env, trial.topics, hosts, slotsPerHost,
							"sim");
					props.put("spring.main.web-application-type", "none");
					props.put("worker.intake.worker-id", trial.system + "-" + i);
					props.put("worker.ollama.slot-sharing.mode", trial.system.equals("worker") ? "demand" : "static");
					this.workers.add(new SpringApplicationBuilder(WorkerApplication.class).logStartupInfo(false)
						.run(WorkerApplication.arguments(props)));
				}
				long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
				while (System.nanoTime() < until && !stable(admin, trial.topics.group(), count)) {
					BenchEnvironment.sleep(200);
				}
			}
		}

		private static boolean stable(Admin admin, String group, int members) throws Exception {
			ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
				.describedGroups()
				.get(group)
				.get(10, TimeUnit.SECONDS);
			return description.groupState() == GroupState.STABLE && description.members().size() == members;
		}

		@Override
		public void close() {
			this.workers.forEach(ConfigurableApplicationContext::close);
		}

	}

}
