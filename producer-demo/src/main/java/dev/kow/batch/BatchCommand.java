package dev.kow.batch;

import picocli.CommandLine.Command;

/**
 * {@code batch}: the batch workflow. {@code submit} a file, watch it with {@code status},
 * collect it with {@code results}, see every batch with {@code list}, stop one with
 * {@code cancel}.
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
		subcommands = { BatchSubmitCommand.class, BatchStatusCommand.class, BatchResultsCommand.class,
				BatchListCommand.class, BatchCancelCommand.class, BatchRetryCommand.class },
		description = "Submit batch files, watch them and collect their results.")
public final class BatchCommand {

}
