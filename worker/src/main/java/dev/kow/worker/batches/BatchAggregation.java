package dev.kow.worker.batches;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import dev.kow.avro.InferenceResult;
import dev.kow.serde.KafkaAvroDeserializer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every batch's counts up to date as results are published: a Kafka Streams
 * application (one per worker, all of a fleet in one Streams group) that reads the
 * results topic, keeps the latest outcome per request id (so a result published twice
 * after a crash replaces itself instead of counting twice), groups the outcomes by batch
 * id, and publishes each batch's {@link BatchCounts} to the compacted
 * {@code worker.topics.batch-counts} topic, where {@code batch status} reads one record
 * per batch instead of scanning the results. Stores are in memory, restored from their
 * changelog topics when a worker starts. Unreadable results are logged and skipped.
 */
public final class BatchAggregation implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(BatchAggregation.class);

	private final KafkaStreams streams;

	/**
	 * Starts the application.
	 * @param config Kafka Streams settings: bootstrap servers, security,
	 * {@code application.id}, {@code state.dir}
	 * @param topology from {@link #topology}
	 */
	public BatchAggregation(Map<String, Object> config, Topology topology) {
		Properties properties = new Properties();
		properties.putAll(config);
		properties.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
				LogAndContinueExceptionHandler.class);
		this.streams = new KafkaStreams(topology, properties);
		this.streams.setUncaughtExceptionHandler(ex -> {
			log.error("the batch aggregation failed; replacing its thread", ex);
			return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
		});
		this.streams.start();
	}

	/**
	 * @param resultsTopic {@code worker.topics.results}
	 * @param countsTopic {@code worker.topics.batch-counts}
	 * @param results the results' serde (Confluent wire format, specific reader)
	 * @return results (with a batch id) to per-batch counts
	 */
	public static Topology topology(String resultsTopic, String countsTopic, Serde<InferenceResult> results) {
		JsonSerde<BatchOutcome> outcomes = new JsonSerde<>(BatchOutcome.class);
		JsonSerde<BatchCounts> counts = new JsonSerde<>(BatchCounts.class);
		StreamsBuilder builder = new StreamsBuilder();
		builder.stream(resultsTopic, Consumed.with(Serdes.String(), results))
			.filter((requestId, result) -> requestId != null && result != null && result.getBatchId() != null)
			.mapValues(BatchOutcome::of)
			.toTable(Materialized.<String, BatchOutcome>as(Stores.inMemoryKeyValueStore("batch-outcomes"))
				.withKeySerde(Serdes.String())
				.withValueSerde(outcomes))
			.groupBy((requestId, outcome) -> KeyValue.pair(outcome.batchId(), outcome),
					Grouped.with("batch-outcomes-by-batch", Serdes.String(), outcomes))
			.aggregate(() -> BatchCounts.none(""), (batchId, outcome, total) -> named(total, batchId).add(outcome),
					(batchId, outcome, total) -> named(total, batchId).remove(outcome),
					Materialized.<String, BatchCounts>as(Stores.inMemoryKeyValueStore("batch-counts"))
						.withKeySerde(Serdes.String())
						.withValueSerde(counts))
			.toStream()
			.to(countsTopic, Produced.with(Serdes.String(), counts));
		return builder.build();
	}

	/**
	 * @param serdeConfig the registry serde settings (Confluent's keys)
	 * @return a serde that reads results (Confluent wire format) and refuses to write
	 * @throws SerializationException from the deserializer, for a value that is not an
	 * {@code InferenceResult}
	 */
	public static Serde<InferenceResult> resultsSerde(Map<String, Object> serdeConfig) {
		KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
		deserializer.configure(serdeConfig, false);
		return Serdes.serdeFrom((topic, result) -> {
			throw new UnsupportedOperationException("the batch aggregation only reads results");
		}, (topic, bytes) -> {
			Object value = deserializer.deserialize(topic, bytes);
			if (value != null && !(value instanceof InferenceResult)) {
				throw new SerializationException("not an InferenceResult on " + topic);
			}
			return (InferenceResult) value;
		});
	}

	private static BatchCounts named(BatchCounts total, String batchId) {
		return total.batchId().isEmpty() ? BatchCounts.none(batchId) : total;
	}

	/**
	 * @return whether the application runs (or is rebalancing)
	 */
	public boolean running() {
		return this.streams.state().isRunningOrRebalancing();
	}

	@Override
	public void close() {
		this.streams.close(Duration.ofSeconds(10));
	}

}
