package dev.kow.worker.timeouts;

/** Exponentially weighted moving average and mean absolute deviation. Not thread-safe. */
final class Ewma {

	private final double alpha;

	private double mean = Double.NaN;

	private double deviation;

	private long count;

	Ewma(double alpha) {
		this.alpha = alpha;
	}

	void add(double value) {
		this.count++;
		if (Double.isNaN(this.mean)) {
			this.mean = value;
			this.deviation = 0;
			return;
		}
		this.deviation = (1 - this.alpha) * this.deviation + this.alpha * Math.abs(value - this.mean);
		this.mean = (1 - this.alpha) * this.mean + this.alpha * value;
	}

	double mean() {
		return this.mean;
	}

	/**
	 * @return mean plus four mean deviations: a high-percentile estimate that follows
	 * drift
	 */
	double high() {
		return this.mean + 4 * this.deviation;
	}

	long count() {
		return this.count;
	}

}
