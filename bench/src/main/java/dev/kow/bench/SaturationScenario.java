package dev.kow.bench;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import dev.kow.prompts.SamplePrompts;
import dev.kow.sim.OllamaSimulator;
import dev.kow.worker.job.Lane;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code saturation}: every request is on Kafka before the system starts; how close does
 * it get to the hosts' ideal capacity? {@code throughput_ratio} = ideal makespan /
 * measured makespan, both at the hosts (first arrival to last finish).
 */
@Command(name = "saturation", mixinStandardHelpOptions = true,
		description = "Throughput as a fraction of the hosts' ideal capacity.")
final class SaturationScenario implements Callable<Integer>, Scenario {

	@Mixin
	BenchOptions options = new BenchOptions();

	@Option(names = "--requests", defaultValue = "6000", description = "Requests (default ${DEFAULT-VALUE}).")
	int requests;

	@Mixin
	FleetOptions fleet = new FleetOptions();

	@Override
	public Integer call() throws Exception {
		return ScenarioRun.run(this, this.options);
	}

	@Override
	public String name() {
		return "saturation";
	}

	@Override
	public Map<String, Object> config(double timeScale) {
		return Map.of("requests", this.requests, "hosts", this.fleet.hosts, "slots_per_host", this.fleet.slots,
				"partitions_per_lane", this.fleet.partitions, "time_scale", timeScale, "lanes",
				"10% high, 30% normal, 60% batch");
	}

	@Override
	public int partitions() {
		return this.fleet.partitions;
	}

	@Override
	public void before(ScenarioRun run) {
		run.report.root.put("limit", limit(run.env, run.prompts, run.timeScale));
		System.out.printf("saturation: limit %s%n", run.report.root.get("limit"));
	}

	@Override
	public Map<String, Object> measure(Trial trial) throws Exception {
		List<SamplePrompts.Prompt> prompts = trial.run.prompts;
		Set<String> ids = new HashSet<>();
		for (int i = 0; i < this.requests; i++) {
			Lane lane = BenchEnvironment.mixedLane(i);
			String id = BenchEnvironment.id(lane, i);
			ids.add(id);
			trial.env.send(trial.topics.of(lane),
					BenchEnvironment.request(id, prompts.get(i % prompts.size()).text(), 0));
		}
		trial.env.flush();
		List<OllamaSimulator> sims = trial.hosts(this.fleet.hosts, this.fleet.slots);
		BenchEnvironment.ResultReader reader = trial.reader();
		Sampler sampler = trial.sampler();
		boolean complete;
		try (SystemUnderTest sut = trial.start(this.fleet.slots)) {
			complete = reader.awaitAll(ids, Duration.ofMinutes(15));
		}
		HostLogs logs = new HostLogs(sims);
		long makespan = logs.lastFinishMs() - logs.firstArrivalMs();
		double ideal = logs.idealMakespanMs();
		Map<String, Object> figures = new LinkedHashMap<>();
		figures.put("throughput_ratio", HostLogs.round(ideal / makespan, 3));
		figures.put("makespan_ms", makespan);
		figures.put("mean_busy_slots", HostLogs.round(logs.meanBusySlots(), 2));
		figures.put("ideal_makespan_ms", Math.round(ideal));
		figures.put("completed", ids.size() - reader.lost(ids));
		figures.put("rps", HostLogs.round(logs.served.size() * 1000.0 / makespan, 1));
		figures.put("lost", reader.lost(ids));
		figures.put("duplicates", reader.duplicates(ids));
		figures.put("complete", complete);
		figures.put("peak_heap_mb", HostLogs.round(sampler.peakHeapMb(), 1));
		return figures;
	}

	/**
	 * A plain HTTP loop with exactly the slots' concurrency per host: what a perfect
	 * client gets.
	 */
	private Map<String, Object> limit(BenchEnvironment env, List<SamplePrompts.Prompt> prompts, double timeScale) {
		List<OllamaSimulator> sims = env.hosts(this.fleet.hosts, this.fleet.slots, timeScale);
		reactor.netty.resources.LoopResources loops = reactor.netty.resources.LoopResources.create("limit", 2, true);
		reactor.netty.resources.ConnectionProvider pool = reactor.netty.resources.ConnectionProvider.builder("limit")
			.maxConnections(this.fleet.slots)
			.build();
		try {
			List<reactor.netty.http.client.HttpClient> clients = sims.stream()
				.map(s -> reactor.netty.http.client.HttpClient.create(pool).runOn(loops).baseUrl(s.baseUrl()))
				.toList();
			reactor.core.publisher.Flux.range(0, this.fleet.hosts)
				.flatMap(
						h -> reactor.core.publisher.Flux.range(0, this.requests / this.fleet.hosts)
							.flatMap(i -> clients.get(h)
								.post()
								.uri("/api/chat")
								.send(reactor.netty.ByteBufMono.fromString(reactor.core.publisher.Mono
									.just(tools.jackson.databind.json.JsonMapper.builder()
										.build()
										.writeValueAsString(Map.of("model", BenchEnvironment.MODEL, "stream", false,
												"messages",
												List.of(Map.of("role", "user", "content", "l-" + i + " "
														+ prompts.get((i * this.fleet.hosts + h) % prompts.size())
															.text())))))))
								.responseSingle((res, body) -> body.asString()), this.fleet.slots))
				.blockLast();
			HostLogs logs = new HostLogs(sims);
			long makespan = logs.lastFinishMs() - logs.firstArrivalMs();
			return Map.of("throughput_ratio", HostLogs.round(logs.idealMakespanMs() / makespan, 3), "makespan_ms",
					makespan, "mean_busy_slots", HostLogs.round(logs.meanBusySlots(), 2));
		}
		finally {
			pool.dispose();
			loops.dispose();
			sims.forEach(OllamaSimulator::close);
		}
	}

}
