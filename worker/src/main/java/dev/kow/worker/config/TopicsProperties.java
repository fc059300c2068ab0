package dev.kow.worker.config;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Topic names ({@code worker.topics.*}). The three request topics are the priority lanes.
 *
 * @param high requests of the high lane; default {@value #DEFAULT_HIGH}
 * @param normal requests of the normal lane; default {@value #DEFAULT_NORMAL}
 * @param batch requests of the batch lane; default {@value #DEFAULT_BATCH}
 * @param results where every outcome is published; default {@value #DEFAULT_RESULTS}
 * @param deadLetter where failed, expired and unreadable requests are copied byte for
 * byte; default {@value #DEFAULT_DEAD_LETTER}
 * @param fleetState with {@code slot-sharing.mode=demand} (the default), the compacted
 * topic where each worker publishes its demand and holdings, keyed by worker id; created
 * by the first worker when missing; default {@value #DEFAULT_FLEET_STATE}
 * @param batches the compacted topic of batch records ({@code batch submit} writes one
 * per batch, keyed by batch id; {@code batch cancel} updates it); default
 * {@value #DEFAULT_BATCHES}
 * @param batchCounts the compacted topic where the workers publish each batch's counts,
 * keyed by batch id; created by the first worker when missing; default
 * {@value #DEFAULT_BATCH_COUNTS}
 */
@Validated
@ConfigurationProperties("worker.topics")
public record TopicsProperties(@DefaultValue(DEFAULT_HIGH) @NotBlank String high,
		@DefaultValue(DEFAULT_NORMAL) @NotBlank String normal, @DefaultValue(DEFAULT_BATCH) @NotBlank String batch,
		@DefaultValue(DEFAULT_RESULTS) @NotBlank String results,
		@DefaultValue(DEFAULT_DEAD_LETTER) @NotBlank String deadLetter,
		@DefaultValue(DEFAULT_FLEET_STATE) @NotBlank String fleetState,
		@DefaultValue(DEFAULT_BATCHES) @NotBlank String batches,
		@DefaultValue(DEFAULT_BATCH_COUNTS) @NotBlank String batchCounts) {

	/** Default high-lane topic. */
	public static final String DEFAULT_HIGH = "inference.requests.high";

	/** Default normal-lane topic. */
	public static final String DEFAULT_NORMAL = "inference.requests.normal";

	/** Default batch-lane topic. */
	public static final String DEFAULT_BATCH = "inference.requests.batch";

	/** Default results topic. */
	public static final String DEFAULT_RESULTS = "inference.results";

	/** Default dead-letter topic. */
	public static final String DEFAULT_DEAD_LETTER = "inference.dead-letter";

	/** Default fleet-state topic. */
	public static final String DEFAULT_FLEET_STATE = "inference.fleet-state";

	/** Default topic of batch records. */
	public static final String DEFAULT_BATCHES = "inference.batches";

	/** Default topic of batch counts. */
	public static final String DEFAULT_BATCH_COUNTS = "inference.batch-counts";

	/** Checks that the five topics are distinct. */
	public TopicsProperties {
		if (java.util.stream.Stream.of(high, normal, batch, results, deadLetter, fleetState, batches, batchCounts)
			.distinct()
			.count() != 8) {
			throw new IllegalArgumentException("worker.topics.high, .normal, .batch, .results, .dead-letter, "
					+ ".fleet-state, .batches and .batch-counts must be eight different topics");
		}
	}
}
