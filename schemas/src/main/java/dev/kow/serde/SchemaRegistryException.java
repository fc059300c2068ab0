package dev.kow.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The schema registry refused a call or could not be reached.
 *
 * <p>
 * {@link #httpStatus()} is 0 when no HTTP answer arrived. {@link #errorCode()} is
 * Confluent's {@code error_code} (40401 subject not found, 40402 version not found, 40403
 * schema not found, 409 incompatible, 42201 invalid schema), or 0 when absent.
 */
public class SchemaRegistryException extends SerializationException {

	private final int httpStatus;

	private final int errorCode;

	/**
	 * @param message what failed, naming the subject or id
	 * @param httpStatus HTTP status, 0 when none
	 * @param errorCode Confluent error code, 0 when none
	 * @param cause underlying I/O error, may be null
	 */
	public SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
		super(message, cause);
		this.httpStatus = httpStatus;
		this.errorCode = errorCode;
	}

	/**
	 * @return HTTP status, 0 when the registry did not answer
	 */
	public int httpStatus() {
		return this.httpStatus;
	}

	/**
	 * @return Confluent error code, 0 when absent
	 */
	public int errorCode() {
		return this.errorCode;
	}

	/**
	 * @return true for 404 answers (unknown subject, version or schema)
	 */
	public boolean isNotFound() {
		return this.httpStatus == 404;
	}

	/**
	 * @return true when retrying later can succeed: no answer, 5xx or 429
	 */
	public boolean isUnavailable() {
		return this.httpStatus == 0 || this.httpStatus >= 500 || this.httpStatus == 429;
	}

}
