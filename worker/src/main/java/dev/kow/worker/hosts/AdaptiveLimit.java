package dev.kow.worker.hosts;

/**
 * How many calls a host may have in flight now: starts at its configured slots, never
 * above them, never below 1. Additive increase, multiplicative decrease, on a
 * <b>token-normalised</b> signal, so a long generation is not read as congestion:
 * <ul>
 * <li>503 {@code server busy}: halve;</li>
 * <li>a success whose decode time per token ({@code eval_duration / eval_count}) runs
 * over {@code tolerance} x the host's best recent value: x 0.9, at most once per
 * {@code limit} samples;</li>
 * <li>any other success: + 1 / limit (about +1 per round of calls).</li>
 * </ul>
 * Per-token time grows a little with concurrency on a healthy GPU (about 1.4 x at 4
 * streams), far less than the default tolerance of 2. Thread-safe.
 */
public final class AdaptiveLimit {

	/** Default ratio of recent to best per-token time that counts as congestion. */
	public static final double DEFAULT_TOLERANCE = 2.0;

	private final int max;

	private final double tolerance;

	private double limit;

	private double bestNanosPerToken = Double.NaN;

	private double recentNanosPerToken = Double.NaN;

	private int samplesSinceDecrease;

	/**
	 * @param max the configured slots
	 * @param tolerance recent / best per-token time above which the limit shrinks
	 */
	public AdaptiveLimit(int max, double tolerance) {
		this.max = max;
		this.tolerance = tolerance;
		this.limit = max;
	}

	/**
	 * Generations shorter than this many tokens are too short to measure time per token.
	 */
	static final int MIN_SIGNAL_TOKENS = 16;

	/** Generations shorter than this are too short to measure time per token, ns. */
	static final long MIN_SIGNAL_NANOS = 20_000_000;

	/**
	 * The congestion signal of one answer.
	 * @param evalCount Ollama's {@code eval_count}
	 * @param evalNanos Ollama's {@code eval_duration}, ns
	 * @return ns per generated token, or 0 when the generation is too short to tell
	 * (embeddings, a few tokens): timer noise would otherwise read as congestion
	 */
	public static double nanosPerToken(int evalCount, long evalNanos) {
		return evalCount >= MIN_SIGNAL_TOKENS && evalNanos >= MIN_SIGNAL_NANOS ? (double) evalNanos / evalCount : 0;
	}

	/**
	 * @return calls allowed in flight now, 1 to the configured slots
	 */
	public synchronized int current() {
		return Math.max(1, Math.min(this.max, (int) Math.floor(this.limit)));
	}

	/** The host answered 503 {@code server busy}. */
	public synchronized void onBusy() {
		this.limit = Math.max(1, this.limit / 2);
		this.samplesSinceDecrease = 0;
	}

	/**
	 * A call succeeded.
	 * @param nanosPerToken {@code eval_duration / eval_count}, or 0 when unknown
	 * (embeddings)
	 */
	public synchronized void onSuccess(double nanosPerToken) {
		this.samplesSinceDecrease++;
		if (nanosPerToken > 0) {
			this.recentNanosPerToken = Double.isNaN(this.recentNanosPerToken) ? nanosPerToken
					: 0.8 * this.recentNanosPerToken + 0.2 * nanosPerToken;
			// the best value drifts up slowly, so a host that changed for good gets a new
			// baseline
			this.bestNanosPerToken = Double.isNaN(this.bestNanosPerToken) ? nanosPerToken
					: Math.min(this.bestNanosPerToken * 1.001, nanosPerToken);
			if (this.recentNanosPerToken > this.tolerance * this.bestNanosPerToken) {
				if (this.samplesSinceDecrease >= this.limit) {
					this.limit = Math.max(1, this.limit * 0.9);
					this.samplesSinceDecrease = 0;
				}
				return;
			}
		}
		this.limit = Math.min(this.max, this.limit + 1 / this.limit);
	}

}
