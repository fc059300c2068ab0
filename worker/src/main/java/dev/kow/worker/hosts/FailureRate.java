package dev.kow.worker.hosts;

import java.time.Duration;

/**
 * A host's recent failure rate: host failures / attempts, both counts decaying with a
 * half-life, over a prior of {@value #PRIOR_ATTEMPTS} attempts without failure. The prior
 * makes the rate fall back towards 0 while the host gets no traffic, and keeps one
 * failure of a busy host from moving it much. Not thread-safe: {@link HostPool} guards it
 * with its monitor.
 */
final class FailureRate {

	/** Attempts without failure assumed on top of the decayed counts. */
	static final double PRIOR_ATTEMPTS = 5;

	private final double halfLifeNanos;

	private double attempts;

	private double failures;

	private long updatedNanos;

	private boolean started;

	/**
	 * @param halfLife time after which past attempts count half
	 */
	FailureRate(Duration halfLife) {
		this.halfLifeNanos = halfLife.toNanos();
	}

	/**
	 * @param failed whether the attempt failed because of the host
	 * @param nowNanos monotonic time, ns
	 */
	void record(boolean failed, long nowNanos) {
		decay(nowNanos);
		this.attempts++;
		if (failed) {
			this.failures++;
		}
	}

	/**
	 * @param nowNanos monotonic time, ns
	 * @return the rate, 0 to 1
	 */
	double value(long nowNanos) {
		decay(nowNanos);
		return this.failures / (this.attempts + PRIOR_ATTEMPTS);
	}

	private void decay(long nowNanos) {
		if (!this.started) {
			this.started = true;
			this.updatedNanos = nowNanos;
			return;
		}
		if (nowNanos > this.updatedNanos) {
			double factor = Math.pow(0.5, (nowNanos - this.updatedNanos) / this.halfLifeNanos);
			this.attempts *= factor;
			this.failures *= factor;
			this.updatedNanos = nowNanos;
		}
	}

}
