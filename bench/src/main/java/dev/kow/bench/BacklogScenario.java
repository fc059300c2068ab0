package dev.kow.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.kow.prompts.SamplePrompts;
import dev.kow.sim.OllamaSimulator;
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
final class BacklogScenario implements Callable<Integer> {

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
		double timeScale = this.options.timeScale != null ? this.options.timeScale : 0.1;
		Report report = new Report("backlog");
		report.config.putAll(Map.of("backlog", this.backlog, "seconds", this.seconds, "hosts", this.fleet.hosts,
				"slots_per_host", this.fleet.slots, "time_scale", timeScale));
		List<SamplePrompts.Prompt> prompts = SamplePrompts.read(null, 0);
		try (BenchEnvironment env = new BenchEnvironment()) {
			this.options.applyTo(env, report);
			for (String system : this.options.systems) {
				System.out.printf("backlog: %s ...%n", system);
				Topics topics = env.topics(system, this.fleet.partitions);
				env.sendBacklog(topics, this.backlog, prompts);
				List<OllamaSimulator> sims = env.hosts(this.fleet.hosts, this.fleet.slots, timeScale);
				try (BenchEnvironment.ResultReader reader = env.new ResultReader(topics)) {
					System.gc();
					double before = java.lang.management.ManagementFactory.getMemoryMXBean()
						.getHeapMemoryUsage()
						.getUsed() / 1048576.0;
					try (Sampler sampler = new Sampler();
							SystemUnderTest sut = SystemUnderTest.start(system, env, topics, sims, this.fleet.slots)) {
						BenchEnvironment.sleep(this.seconds * 1000L);
						Map<String, Object> figures = new LinkedHashMap<>();
						figures.put("peak_heap_mb", HostLogs.round(sampler.peakHeapMb(), 1));
						figures.put("heap_before_mb", HostLogs.round(before, 1));
						figures.put("peak_heap_growth_mb", HostLogs.round(sampler.peakHeapMb() - before, 1));
						figures.put("peak_live_heap_mb", HostLogs.round(sampler.peakLiveHeapMb(), 1));
						figures.put("completed", reader.counts.size());
						report.systems.put(system, figures);
						System.out.printf("backlog: %s %s%n", system, figures);
					}
				}
				finally {
					sims.forEach(OllamaSimulator::close);
				}
			}
		}
		report.write(this.options);
		return 0;
	}

}
