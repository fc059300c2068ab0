package dev.kow.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar bench/target/bench.jar <scenario> --json out.json}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
		subcommands = { SaturationScenario.class, PriorityScenario.class, OverheadScenario.class, BacklogScenario.class,
				FaultsScenario.class, ScaleScenario.class, FleetScenario.class, BatchesScenario.class },
		description = "End-to-end benchmarks of the worker against peers, side by side in one run.")
public final class BenchMain {

	/**
	 * @param args command line
	 */
	public static void main(String[] args) {
		System.exit(new CommandLine(new BenchMain()).execute(args));
	}

}
