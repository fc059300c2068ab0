package dev.kow.worker.batches;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import dev.kow.worker.job.CancelledBatches;
import dev.kow.worker.topics.CompactedTopics;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells this worker of every {@code batch cancel}, whichever partitions it holds: reads
 * the compacted {@code worker.topics.batches} topic from its start with assigned
 * partitions (no consumer group, so every worker reads every record) and marks each batch
 * record with a {@code cancelledAt} in {@link CancelledBatches}, whose listeners stop the
 * batch's running attempts. A cancel reaches a worker within one poll (at most 500 ms) of
 * being written. Unreadable records are logged and skipped.
 */
public final class BatchCancels implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(BatchCancels.class);

	private static final JsonSerde<BatchRecord> RECORDS = new JsonSerde<>(BatchRecord.class);

	private final Consumer<String, byte[]> consumer;

	private final CancelledBatches cancelled;

	private final Clock clock;

	private final Thread thread;

	private volatile boolean running = true;

	/**
	 * Starts reading on its own thread.
	 * @param consumer a consumer without a group; closed by {@link #close()}
	 * @param topic {@code worker.topics.batches}, which must exist
	 * @param cancelled where cancels go
	 * @param clock wall clock, to forget cancels whose lines have all expired
	 */
	public BatchCancels(Consumer<String, byte[]> consumer, String topic, CancelledBatches cancelled, Clock clock) {
		this.consumer = consumer;
		this.cancelled = cancelled;
		this.clock = clock;
		List<TopicPartition> partitions = CompactedTopics.partitions(consumer, topic, "worker.topics.batches");
		consumer.assign(partitions);
		consumer.seekToBeginning(partitions);
		this.thread = Thread.ofPlatform().name("kow-batch-cancels").daemon().start(this::loop);
	}

	private void loop() {
		while (this.running) {
			try {
				for (ConsumerRecord<String, byte[]> record : this.consumer.poll(Duration.ofMillis(500))) {
					accept(record);
				}
				this.cancelled.forgetExpired(this.clock.instant().getEpochSecond());
			}
			catch (WakeupException ex) {
				// closing
			}
			catch (KafkaException ex) {
				log.warn("reading batch cancels failed: {}", ex.toString());
			}
		}
	}

	private void accept(ConsumerRecord<String, byte[]> record) {
		if (record.value() == null) {
			return;
		}
		try {
			BatchRecord batch = RECORDS.deserializer().deserialize(record.topic(), record.value());
			if (batch != null && batch.cancelledAt() != null
					&& batch.expiresAt() >= this.clock.instant().getEpochSecond()) {
				log.info("batch {} was cancelled; its jobs here stop", batch.id());
				this.cancelled.cancel(batch.id(), batch.expiresAt());
			}
		}
		catch (KafkaException ex) {
			log.warn("unreadable batch record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
					ex.getMessage());
		}
	}

	@Override
	public void close() throws InterruptedException {
		this.running = false;
		this.consumer.wakeup();
		this.thread.join(Duration.ofSeconds(5));
		this.consumer.close(Duration.ofSeconds(5));
	}

}
