package dev.kow.worker.job;

/**
 * A priority lane; each has its own Kafka topic and queue. Declared from most to least
 * urgent.
 */
public enum Lane {

	/** Interactive or urgent work. */
	HIGH,
	/** Ordinary work. */
	NORMAL,
	/** Bulk work that fills idle slots. */
	BATCH;

	/**
	 * @return the lower-case name used in metrics and reports
	 */
	public String key() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}
