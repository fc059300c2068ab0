package dev.kow.worker;

import dev.kow.worker.offsets.CompletionSink;
import dev.kow.worker.offsets.SourceRecord;

/**
 * Breaks the construction cycle between the outcome publisher (which reports completions) and the
 * intake loop (which receives them): the publisher gets this forwarder, the loop is set once.
 */
final class IntakeCompletions implements CompletionSink {

	private volatile CompletionSink target;

	void target(CompletionSink sink) {
		this.target = sink;
	}

	@Override
	public void completed(SourceRecord source) {
		this.target.completed(source);
	}
}
