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
		System.exit(commandLine(new ProducerDemoMain()).execute(args));
	}

	/**
	 * @param command a command object
	 * @return its command line as {@code main} runs it: enum values in any case,
	 * durations as Spring Boot writes them ({@code 24h}, {@code PT1H})
	 */
	public static CommandLine commandLine(Object command) {
		return new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true)
			.registerConverter(java.time.Duration.class,
					org.springframework.boot.convert.DurationStyle::detectAndParse);
	}

}
