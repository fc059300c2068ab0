package dev.kow.batch;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.kow.worker.batches.BatchRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code batch cancel ID}: marks the batch cancelled on its record. Every worker reads
 * the record (whatever partitions it holds), stops the batch's running attempts and ends
 * its queued and later-read lines as cancelled; lines already finished keep their
 * results. Prints the batch object ({@code cancelling} until every line has an outcome).
 */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a batch across the fleet.")
public final class BatchCancelCommand implements Callable<Integer> {

	@Mixin
	ClusterOptions cluster = new ClusterOptions();

	@Mixin
	BatchTopicOptions topics = new BatchTopicOptions();

	@Parameters(index = "0", paramLabel = "ID", description = "The batch id.")
	String id = "";

	@Override
	public Integer call() {
		try (KafkaConsumer<String, byte[]> reader = this.cluster.reader();
				KafkaProducer<String, byte[]> producer = this.cluster.producer()) {
			Optional<BatchView> view = BatchRecords.find(reader, this.topics, this.id);
			if (view.isEmpty()) {
				return 1;
			}
			String status = view.get().status(Instant.now().getEpochSecond());
			if (BatchView.isFinal(status)) {
				System.err.println("batch " + this.id + " is already " + status);
				BatchRecords.print(view.get());
				return 0;
			}
			BatchRecord cancelled = view.get().batch().cancelled(Instant.now().getEpochSecond());
			BatchRecords.write(producer, this.topics.batches, cancelled);
			BatchRecords.print(new BatchView(cancelled, view.get().counts()));
			return 0;
		}
	}

}
