package dev.kow.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import picocli.CommandLine.Option;

/** Options every scenario takes. */
final class BenchOptions {

	@Option(names = "--json", description = "Write the report as JSON to this file.")
	Path json;

	@Option(names = "--systems", split = ",", defaultValue = "worker,spring-kafka,parallel-consumer",
			description = "Systems to run, in order (default ${DEFAULT-VALUE}).")
	List<String> systems;

	@Option(names = "--time-scale", description = "Simulator time scale (each scenario has its own default).")
	Double timeScale;

	@Option(names = "--worker-property",
			description = "A worker setting for this run, key=value (repeatable), for example worker.timeouts.stall-floor=50ms.")
	Map<String, String> workerProperties = new LinkedHashMap<>();

	/**
	 * Gives the worker the settings of {@code --worker-property} and records them in the
	 * report.
	 * @param env the environment the worker will run in
	 * @param report the report
	 */
	void applyTo(BenchEnvironment env, Report report) {
		if (!this.workerProperties.isEmpty()) {
			report.config.put("worker_properties", this.workerProperties);
			env.workerProperties.putAll(this.workerProperties);
		}
	}

}
