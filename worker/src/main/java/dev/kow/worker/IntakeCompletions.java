package dev.kow.worker;

import dev.kow.worker.offsets.CompletionSink;
import dev.kow.worker.offsets.SourceRecord;
import org.jspecify.annotations.Nullable;

/**
 * Breaks the construction cycle between the outcome publisher (which reports completions)
 * and the intake loop (which receives them): the publisher gets this forwarder, the loop
 * is set once.
 */
final class IntakeCompletions implements CompletionSink {

	private volatile @Nullable CompletionSink target;

	void target(CompletionSink sink) {
		this.target = sink;
	}

	@Override
	public void completed(SourceRecord source) {
		CompletionSink sink = this.target;
		if (sink == null) {
			throw new IllegalStateException("a completion arrived before the intake loop was wired");
		}
		sink.completed(source);
	}

}
