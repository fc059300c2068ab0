package dev.kow.batch;

import dev.kow.worker.config.TopicsProperties;
import picocli.CommandLine.Option;

/** The topics of the batch commands, defaulting to the worker's defaults. */
public final class BatchTopicOptions {

	@Option(names = "--high-topic", defaultValue = TopicsProperties.DEFAULT_HIGH, hidden = true)
	String high = TopicsProperties.DEFAULT_HIGH;

	@Option(names = "--normal-topic", defaultValue = TopicsProperties.DEFAULT_NORMAL, hidden = true)
	String normal = TopicsProperties.DEFAULT_NORMAL;

	@Option(names = "--batch-topic", defaultValue = TopicsProperties.DEFAULT_BATCH, hidden = true)
	String batch = TopicsProperties.DEFAULT_BATCH;

	@Option(names = "--results-topic", defaultValue = TopicsProperties.DEFAULT_RESULTS,
			description = "The workers' results topic (default ${DEFAULT-VALUE}).")
	String results = TopicsProperties.DEFAULT_RESULTS;

	@Option(names = "--dead-letter-topic", defaultValue = TopicsProperties.DEFAULT_DEAD_LETTER,
			description = "The workers' dead-letter topic (default ${DEFAULT-VALUE}).")
	String deadLetter = TopicsProperties.DEFAULT_DEAD_LETTER;

	@Option(names = "--batches-topic", defaultValue = TopicsProperties.DEFAULT_BATCHES,
			description = "The compacted topic of batch records (default ${DEFAULT-VALUE}).")
	String batches = TopicsProperties.DEFAULT_BATCHES;

	@Option(names = "--batch-counts-topic", defaultValue = TopicsProperties.DEFAULT_BATCH_COUNTS,
			description = "The compacted topic where the workers publish batch counts (default ${DEFAULT-VALUE}).")
	String batchCounts = TopicsProperties.DEFAULT_BATCH_COUNTS;

}
