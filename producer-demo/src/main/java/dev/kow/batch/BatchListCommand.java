package dev.kow.batch;

import java.util.Map;
import java.util.concurrent.Callable;

import dev.kow.worker.batches.BatchCounts;
import dev.kow.worker.batches.BatchRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code batch list}: every batch's object, newest first, one JSON line each. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Print every batch's object, newest first.")
public final class BatchListCommand implements Callable<Integer> {

	@Mixin
	ClusterOptions cluster = new ClusterOptions();

	@Mixin
	BatchTopicOptions topics = new BatchTopicOptions();

	@Option(names = "--limit", defaultValue = "20", description = "At most this many (default ${DEFAULT-VALUE}).")
	int limit = 20;

	@Override
	public Integer call() {
		try (KafkaConsumer<String, byte[]> reader = this.cluster.reader()) {
			Map<String, byte[]> counts = StateTopics.all(reader, this.topics.batchCounts);
			StateTopics.all(reader, this.topics.batches)
				.values()
				.stream()
				.map(BatchRecords::record)
				.sorted((a, b) -> Long.compare(b.createdAt(), a.createdAt()))
				.limit(this.limit)
				.forEach((BatchRecord batch) -> BatchRecords.print(new BatchView(batch, counts.containsKey(batch.id())
						? BatchRecords.counts(counts.get(batch.id())) : BatchCounts.none(batch.id()))));
			return 0;
		}
	}

}
