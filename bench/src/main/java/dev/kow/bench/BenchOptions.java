package dev.kow.bench;

import java.nio.file.Path;
import java.util.List;

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
}
