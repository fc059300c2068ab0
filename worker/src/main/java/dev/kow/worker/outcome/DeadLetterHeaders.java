package dev.kow.worker.outcome;

/**
 * Headers added to a dead letter. The original key, value, headers and timestamp are kept
 * byte for byte; these are appended. The {@code kafka_dlt-*} names and encodings are
 * Spring Kafka's ({@code KafkaHeaders.DLT_*}: partition a 4-byte big-endian int, offset
 * and timestamp 8-byte longs, the rest UTF-8), so Spring tooling reads them; the
 * {@code kow-*} ones are ours.
 */
public final class DeadLetterHeaders {

	/** Original topic, UTF-8. */
	public static final String ORIGINAL_TOPIC = "kafka_dlt-original-topic";

	/** Original partition, 4-byte big-endian int. */
	public static final String ORIGINAL_PARTITION = "kafka_dlt-original-partition";

	/** Original offset, 8-byte big-endian long. */
	public static final String ORIGINAL_OFFSET = "kafka_dlt-original-offset";

	/** Original record timestamp, ms, 8-byte big-endian long. */
	public static final String ORIGINAL_TIMESTAMP = "kafka_dlt-original-timestamp";

	/** The consumer group that gave up, UTF-8. */
	public static final String ORIGINAL_CONSUMER_GROUP = "kafka_dlt-original-consumer-group";

	/** The error class, UTF-8: our {@code ErrorCategory} name. */
	public static final String EXCEPTION_FQCN = "kafka_dlt-exception-fqcn";

	/** The error message, UTF-8 (never prompt text). */
	public static final String EXCEPTION_MESSAGE = "kafka_dlt-exception-message";

	/** The dead-letter reason, an {@code ErrorCategory} name, UTF-8. */
	public static final String REASON = "kow-reason";

	/** Attempts made, decimal UTF-8. */
	public static final String ATTEMPTS = "kow-attempts";

	/** Host of the last attempt, UTF-8 (absent when none). */
	public static final String HOST = "kow-host";

	/** The worker that wrote the dead letter, UTF-8. */
	public static final String WORKER = "kow-worker";

	private DeadLetterHeaders() {
	}

}
