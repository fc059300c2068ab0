package dev.kow.bench;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code backlog}: a large batch backlog sits on Kafka; each system runs against it for a
 * fixed time. Reports the peak used heap of the process (broker and simulators included,
 * the same for every row), its growth over the heap in use just before the system
 * started, the peak live heap (in use after a collection, so without garbage), and how
 * many requests it completed.
 */
@Command(name = "backlog", mixinStandardHelpOptions = true, description = "Peak heap with a large backlog on Kafka.")
final class BacklogScenario implements Callable<Integer>, Scenario {

	@Mixin
	BenchOptions options = new BenchOptions();

	@Option(names = "--backlog", defaultValue = "100000",
			description = "Batch requests on Kafka (default ${DEFAULT-VALUE}).")
	int backlog;

	@Option(names = "--seconds", defaultValue = "30",
			description = "How long each system runs (default ${DEFAULT-VALUE}).")
	int seconds;

	@Mixin
	FleetOptions fleet = new FleetOptions();

	@Override
	public Integer call() throws Exception {
		return ScenarioRun.run(this, this.options);
	}

	@Override
	public String name() {
		return "backlog";
	}

	@Override
	public Map<String, Object> config(double timeScale) {
		return Map.of("backlog", this.backlog, "seconds", this.seconds, "hosts", this.fleet.hosts, "slots_per_host",
				this.fleet.slots, "time_scale", timeScale);
	}

	@Override
	public int partitions() {
		return this.fleet.partitions;
	}

	@Override
	public Map<String, Object> measure(Trial trial) throws Exception {
		trial.env.sendBacklog(trial.topics, this.backlog, trial.run.prompts);
		trial.hosts(this.fleet.hosts, this.fleet.slots);
		BenchEnvironment.ResultReader reader = trial.reader();
		System.gc();
		double before = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
		Sampler sampler = trial.sampler();
		try (SystemUnderTest sut = trial.start(this.fleet.slots)) {
			BenchEnvironment.sleep(this.seconds * 1000L);
			Map<String, Object> figures = new LinkedHashMap<>();
			figures.put("peak_heap_mb", HostLogs.round(sampler.peakHeapMb(), 1));
			figures.put("heap_before_mb", HostLogs.round(before, 1));
			figures.put("peak_heap_growth_mb", HostLogs.round(sampler.peakHeapMb() - before, 1));
			figures.put("peak_live_heap_mb", HostLogs.round(sampler.peakLiveHeapMb(), 1));
			figures.put("completed", reader.counts.size());
			return figures;
		}
	}

}
