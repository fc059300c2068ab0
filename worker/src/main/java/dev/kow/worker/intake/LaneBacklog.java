package dev.kow.worker.intake;

import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.kow.worker.job.Lane;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Per lane, the records of the assigned partitions still on Kafka past this worker's
 * fetch position, from the consumer's {@code currentLag} after each poll (no broker
 * call). Measured on the intake thread, read by the meters from any thread.
 */
final class LaneBacklog {

	private final Map<Lane, Long> unread = new ConcurrentHashMap<>();

	private volatile int assigned;

	/**
	 * @param consumer the intake consumer, right after a poll
	 * @param lanes topic to lane
	 */
	void measure(Consumer<?, ?> consumer, Function<String, Lane> lanes) {
		Map<Lane, Long> measured = new EnumMap<>(Lane.class);
		Set<TopicPartition> assignment = consumer.assignment();
		for (TopicPartition partition : assignment) {
			OptionalLong lag = consumer.currentLag(partition);
			if (lag.isPresent()) {
				measured.merge(lanes.apply(partition.topic()), lag.getAsLong(), Long::sum);
			}
		}
		for (Lane lane : Lane.values()) {
			this.unread.put(lane, measured.getOrDefault(lane, 0L));
		}
		this.assigned = assignment.size();
	}

	/**
	 * @param lane a lane
	 * @return its records past the fetch position at the last poll
	 */
	long unread(Lane lane) {
		return this.unread.getOrDefault(lane, 0L);
	}

	/**
	 * @return partitions assigned at the last poll
	 */
	int assigned() {
		return this.assigned;
	}

}
