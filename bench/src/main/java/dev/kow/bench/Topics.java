package dev.kow.bench;

import dev.kow.worker.job.Lane;

/**
 * The five topics of one system's run.
 *
 * @param high high lane
 * @param normal normal lane
 * @param batch batch lane
 * @param results results
 * @param deadLetter dead letters
 */
record Topics(String high, String normal, String batch, String results, String deadLetter) {

	String of(Lane lane) {
		return switch (lane) {
			case HIGH -> this.high;
			case NORMAL -> this.normal;
			case BATCH -> this.batch;
		};
	}

	String group() {
		return this.results.replace(".results", ".group");
	}
}
