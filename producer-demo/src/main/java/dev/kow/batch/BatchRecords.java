package dev.kow.batch;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.kow.worker.batches.BatchCounts;
import dev.kow.worker.batches.BatchRecord;
import dev.kow.worker.batches.JsonSerde;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import tools.jackson.databind.json.JsonMapper;

/** Reading and writing batch records and counts, and printing batch objects. */
final class BatchRecords {

	/** The request metadata key that carries a line's endpoint URL into its result. */
	static final String ENDPOINT = "kow.endpoint";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final JsonSerde<BatchRecord> RECORDS = new JsonSerde<>(BatchRecord.class);

	private static final JsonSerde<BatchCounts> COUNTS = new JsonSerde<>(BatchCounts.class);

	private BatchRecords() {
	}

	/**
	 * Writes a batch record and waits for all in-sync replicas to have it.
	 * @throws IllegalStateException when it is not acknowledged within 60 s
	 */
	static void write(KafkaProducer<String, byte[]> producer, String topic, BatchRecord record) {
		try {
			producer.send(new ProducerRecord<>(topic, record.id(), RECORDS.serializer().serialize(topic, record)))
				.get(60, TimeUnit.SECONDS);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IllegalStateException("the batch record of " + record.id() + " was not written to " + topic, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted", ex);
		}
	}

	/**
	 * @return the batch and its counts, or empty when there is no such batch
	 */
	static Optional<BatchView> view(KafkaConsumer<String, byte[]> reader, BatchTopicOptions topics, String id) {
		Optional<byte[]> record = StateTopics.latest(reader, topics.batches, id);
		if (record.isEmpty()) {
			return Optional.empty();
		}
		BatchRecord batch = RECORDS.deserializer().deserialize(topics.batches, record.get());
		BatchCounts counts = StateTopics.latest(reader, topics.batchCounts, id)
			.map(bytes -> COUNTS.deserializer().deserialize(topics.batchCounts, bytes))
			.orElse(BatchCounts.none(id));
		return Optional.of(new BatchView(batch, counts));
	}

	/**
	 * @return the batch and its counts, or empty (and says so on standard error) when
	 * there is no such batch
	 */
	static Optional<BatchView> find(KafkaConsumer<String, byte[]> reader, BatchTopicOptions topics, String id) {
		Optional<BatchView> view = view(reader, topics, id);
		if (view.isEmpty()) {
			System.err.println("no batch " + id + " on " + topics.batches);
		}
		return view;
	}

	static BatchRecord record(byte[] bytes) {
		return RECORDS.deserializer().deserialize("", bytes);
	}

	static BatchCounts counts(byte[] bytes) {
		return COUNTS.deserializer().deserialize("", bytes);
	}

	/** Prints the batch object as one JSON line on standard output. */
	static void print(BatchView view) {
		System.out.println(JSON.writeValueAsString(view.toJson(Instant.now().getEpochSecond())));
	}

}
