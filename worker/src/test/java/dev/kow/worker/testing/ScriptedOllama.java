package dev.kow.worker.testing;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.kow.worker.ollama.CallBudget;
import dev.kow.worker.ollama.OllamaAnswer;
import dev.kow.worker.ollama.OllamaCall;
import dev.kow.worker.ollama.OllamaCallException;
import dev.kow.worker.ollama.OllamaCalls;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The Ollama edge for unit tests of the worker's own logic: each call waits until the
 * test streams a line, answers or fails it; cancelling a call is recorded as the
 * connection closing.
 */
public final class ScriptedOllama implements OllamaCalls {

	private final List<Call> calls = new CopyOnWriteArrayList<>();

	private volatile @Nullable RuntimeException nextCallFails;

	/** One call, in the order the worker made them. */
	public static final class Call {

		private final String host;

		private final Runnable onLine;

		private final Sinks.One<OllamaAnswer> answer = Sinks.one();

		private volatile boolean cancelled;

		Call(String host, Runnable onLine) {
			this.host = host;
			this.onLine = onLine;
		}

		/**
		 * @return the host id it went to
		 */
		public String host() {
			return this.host;
		}

		/** Delivers one stream line (the first marks the end of the prefill). */
		public void stream() {
			this.onLine.run();
		}

		/**
		 * @param answer completes the call with this answer
		 */
		public void answer(OllamaAnswer answer) {
			this.answer.tryEmitValue(answer);
		}

		/**
		 * @param failure fails the call
		 */
		public void fail(OllamaCallException failure) {
			this.answer.tryEmitError(failure);
		}

		/**
		 * @return whether the worker closed the connection
		 */
		public boolean cancelled() {
			return this.cancelled;
		}

	}

	/**
	 * @param text the generated text
	 * @param evalCount {@code eval_count}, tokens
	 * @return a complete generate answer
	 */
	public static OllamaAnswer answer(String text, int evalCount) {
		return new OllamaAnswer(text, null, List.of(), "stop", 3, evalCount, 1_000_000, 1_000, 100_000, 500_000,
				200_000, 10_000, 20_000);
	}

	/**
	 * @param failure thrown by the next {@link #call} itself, as a call that cannot even
	 * be built would
	 */
	public void failNextCall(RuntimeException failure) {
		this.nextCallFails = failure;
	}

	@Override
	public Mono<OllamaAnswer> call(String host, URI baseUrl, OllamaCall call, CallBudget budget, Runnable onLine) {
		RuntimeException failure = this.nextCallFails;
		if (failure != null) {
			this.nextCallFails = null;
			throw failure;
		}
		Call made = new Call(host, onLine);
		this.calls.add(made);
		return made.answer.asMono().doOnCancel(() -> made.cancelled = true);
	}

	/**
	 * @return the calls so far, oldest first
	 */
	public List<Call> calls() {
		return this.calls;
	}

}
