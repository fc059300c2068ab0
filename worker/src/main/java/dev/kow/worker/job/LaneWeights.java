package dev.kow.worker.job;

/**
 * The weight of each lane in the share of slots it gets when all lanes have work (stride
 * scheduling and preemption shares). With the defaults 8:3:1, a lane gets
 * {@code weight / sum of active weights} of the slots.
 *
 * @param high weight of {@link Lane#HIGH}, at least 1
 * @param normal weight of {@link Lane#NORMAL}, at least 1
 * @param batch weight of {@link Lane#BATCH}, at least 1
 */
public record LaneWeights(int high, int normal, int batch) {

	/** The defaults of {@code worker.scheduling.*-weight}: 8, 3 and 1. */
	public static final LaneWeights DEFAULT = new LaneWeights(8, 3, 1);

	/**
	 * @throws IllegalArgumentException when a weight is below 1
	 */
	public LaneWeights {
		if (high < 1 || normal < 1 || batch < 1) {
			throw new IllegalArgumentException(
					"lane weights must be at least 1, but were " + high + ":" + normal + ":" + batch);
		}
	}

	/**
	 * @param lane a lane
	 * @return its weight
	 */
	public int of(Lane lane) {
		return switch (lane) {
			case HIGH -> this.high;
			case NORMAL -> this.normal;
			case BATCH -> this.batch;
		};
	}
}
