package dev.kow.demo;

import dev.kow.batch.BatchCommand;
import dev.kow.batch.DeadLettersCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar producer-demo.jar (batch | dead-letters | demo) ...}. Durations are
 * written 30s, 5m or ISO-8601.
 */
@Command(name = "producer-demo", mixinStandardHelpOptions = true,
		subcommands = { BatchCommand.class, DeadLettersCommand.class, DemoCommand.class },
		description = "Produce prompt jobs, collect results, or run the whole pipeline in one JVM.")
public final class ProducerDemoMain {

	/**
	 * @param args command line
	 */
	public static void main(String[] args) {
		int code = new CommandLine(new ProducerDemoMain()).setCaseInsensitiveEnumValuesAllowed(true)
			.registerConverter(java.time.Duration.class, org.springframework.boot.convert.DurationStyle::detectAndParse)
			.execute(args);
		System.exit(code);
	}

}
