package dev.kow.worker.offsets;

/**
 * Receives records whose outcome the broker has acknowledged; their offsets may now be
 * committed.
 */
@FunctionalInterface
public interface CompletionSink {

	/**
	 * @param source the record done; may be called from any thread
	 */
	void completed(SourceRecord source);

}
