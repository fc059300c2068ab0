package dev.kow.worker.intake;

import java.util.Objects;

import dev.kow.avro.ErrorCategory;
import dev.kow.avro.InferenceRequest;
import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.WireFormatException;
import org.jspecify.annotations.Nullable;

/**
 * Turns a record's value into a request, or says why it cannot: the poison-record path.
 * Each unreadable value has one dead-letter reason (see {@code docs/messages.md}); a
 * schema registry outage is not the record's fault and is reported apart, so the
 * partition waits instead.
 */
final class RecordDecoder {

	private final KafkaAvroDeserializer deserializer;

	/** What a value decoded to. */
	sealed interface Decoded {

	}

	/**
	 * @param request a readable request (not yet validated)
	 */
	record Request(InferenceRequest request) implements Decoded {
	}

	/**
	 * A value no attempt can ever read: dead-letter it and move on.
	 *
	 * @param category the dead-letter reason
	 * @param message detail (never payload text)
	 */
	record Poison(ErrorCategory category, String message) implements Decoded {
	}

	/**
	 * @param message why the registry could not be asked; read the record again later
	 */
	record RegistryDown(String message) implements Decoded {
	}

	/**
	 * @param deserializer Confluent-format deserializer, specific reader on
	 */
	RecordDecoder(KafkaAvroDeserializer deserializer) {
		this.deserializer = deserializer;
	}

	/**
	 * @param topic the record's topic (for the subject)
	 * @param value the record's value; null for a tombstone
	 * @return what it decoded to
	 */
	Decoded decode(String topic, byte @Nullable [] value) {
		if (value == null) {
			return new Poison(ErrorCategory.MALFORMED_RECORD, "null value (tombstone)");
		}
		Object decoded;
		try {
			decoded = this.deserializer.deserialize(topic, value);
		}
		catch (WireFormatException ex) {
			String message = Objects.requireNonNullElse(ex.getMessage(), ex.reason().name());
			return switch (ex.reason()) {
				case REGISTRY_UNAVAILABLE -> new RegistryDown(message);
				case UNKNOWN_SCHEMA_ID -> new Poison(ErrorCategory.UNKNOWN_SCHEMA_ID, message);
				case SCHEMA_MISMATCH -> new Poison(ErrorCategory.SCHEMA_MISMATCH, message);
				case MALFORMED -> new Poison(ErrorCategory.MALFORMED_RECORD, message);
			};
		}
		return decoded instanceof InferenceRequest request ? new Request(request)
				: new Poison(ErrorCategory.SCHEMA_MISMATCH, "value is not an InferenceRequest");
	}

}
