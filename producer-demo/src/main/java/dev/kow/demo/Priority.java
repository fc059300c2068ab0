package dev.kow.demo;

import dev.kow.worker.config.TopicsProperties;

/** The three request topics, by their default names. */
enum Priority {

	HIGH(TopicsProperties.DEFAULT_HIGH), NORMAL(TopicsProperties.DEFAULT_NORMAL), BATCH(TopicsProperties.DEFAULT_BATCH);

	final String topic;

	Priority(String topic) {
		this.topic = topic;
	}

	String key() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

	/**
	 * The demo's spread over priorities: 10 % high, 30 % normal, 60 % batch, interleaved.
	 * @param index position of the prompt
	 * @return its priority
	 */
	static Priority spread(int index) {
		int slot = index % 10;
		return slot == 0 ? HIGH : slot <= 3 ? NORMAL : BATCH;
	}

}
