package dev.kow.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record value could not be turned into an Avro object. {@link #reason()} says whether
 * retrying can help: only {@link Reason#REGISTRY_UNAVAILABLE} can; the others are
 * properties of the bytes.
 */
public class WireFormatException extends SerializationException {

	/** Why decoding failed. */
	public enum Reason {

		/**
		 * Too short, wrong magic byte, or an Avro body that does not parse with its
		 * writer schema.
		 */
		MALFORMED,
		/**
		 * The registry answered that the schema id does not exist (Confluent error
		 * 40403).
		 */
		UNKNOWN_SCHEMA_ID,
		/**
		 * The writer schema cannot be resolved to the reader schema (incompatible
		 * evolution).
		 */
		SCHEMA_MISMATCH,
		/**
		 * The registry could not be reached or answered 5xx: retry later, the record is
		 * fine.
		 */
		REGISTRY_UNAVAILABLE

	}

	private final Reason reason;

	private final int schemaId;

	/**
	 * @param reason why decoding failed
	 * @param schemaId the schema id read from the header, or -1 when none could be read
	 * @param message detail, never the payload
	 */
	public WireFormatException(Reason reason, int schemaId, String message) {
		super(message);
		this.reason = reason;
		this.schemaId = schemaId;
	}

	/**
	 * @param reason why decoding failed
	 * @param schemaId the schema id read from the header, or -1 when none could be read
	 * @param message detail, never the payload
	 * @param cause the underlying error
	 */
	public WireFormatException(Reason reason, int schemaId, String message, Throwable cause) {
		super(message, cause);
		this.reason = reason;
		this.schemaId = schemaId;
	}

	/**
	 * @return why decoding failed
	 */
	public Reason reason() {
		return this.reason;
	}

	/**
	 * @return the schema id from the header, or -1
	 */
	public int schemaId() {
		return this.schemaId;
	}

}
