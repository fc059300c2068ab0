package dev.kow.worker.fleet;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import dev.kow.worker.topics.CompactedTopics;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The compacted fleet-state topic ({@code worker.topics.fleet-state}): this worker's
 * state as JSON under its worker id, everyone's read into a {@link FleetView} from
 * assigned partitions (no consumer group, nothing committed), and a tombstone when it
 * leaves. Used by one thread.
 */
final class FleetStateTopic implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(FleetStateTopic.class);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final Producer<String, byte[]> producer;

	private final Consumer<String, byte[]> consumer;

	private final String topic;

	private final String self;

	private final LongSupplier nanoClock;

	private boolean caughtUp;

	private long lastReadNanos;

	/**
	 * Assigns the topic's partitions, from their beginning.
	 * @throws IllegalStateException naming {@code worker.topics.fleet-state} when the
	 * topic does not exist
	 */
	FleetStateTopic(Producer<String, byte[]> producer, Consumer<String, byte[]> consumer, String topic, String self,
			LongSupplier nanoClock) {
		this.producer = producer;
		this.consumer = consumer;
		this.topic = topic;
		this.self = self;
		this.nanoClock = nanoClock;
		this.lastReadNanos = nanoClock.getAsLong();
		List<TopicPartition> partitions = CompactedTopics.partitions(consumer, topic, "worker.topics.fleet-state");
		consumer.assign(partitions);
		consumer.seekToBeginning(partitions);
	}

	/**
	 * @param own this worker's state, sent without waiting
	 */
	void publish(MemberState own) {
		this.producer.send(new ProducerRecord<>(this.topic, this.self, JSON.writeValueAsBytes(own)),
				(metadata, error) -> {
					if (error != null) {
						log.debug("publishing the fleet state failed: {}", error.toString());
					}
				});
	}

	/**
	 * Reads what the others published until {@code untilNanos}.
	 * @param view where their states go
	 * @param untilNanos nano-clock time to stop reading
	 */
	void read(FleetView view, long untilNanos) {
		Map<TopicPartition, Long> end = this.caughtUp ? Map.of() : this.consumer.endOffsets(this.consumer.assignment());
		do {
			long wait = Math.max(1, (untilNanos - this.nanoClock.getAsLong()) / 1_000_000);
			try {
				for (ConsumerRecord<String, byte[]> record : this.consumer.poll(Duration.ofMillis(wait))) {
					accept(view, record);
				}
				this.lastReadNanos = this.nanoClock.getAsLong();
			}
			catch (KafkaException ex) {
				log.debug("reading the fleet state failed: {}", ex.toString());
			}
		}
		while (this.nanoClock.getAsLong() < untilNanos);
		if (!this.caughtUp) {
			this.caughtUp = end.entrySet().stream().allMatch(e -> this.consumer.position(e.getKey()) >= e.getValue());
		}
	}

	private void accept(FleetView view, ConsumerRecord<String, byte[]> record) {
		String member = record.key();
		if (member == null || member.equals(this.self)) {
			return;
		}
		if (record.value() == null) {
			view.remove(member);
			return;
		}
		try {
			view.put(JSON.readValue(record.value(), MemberState.class), this.nanoClock.getAsLong());
		}
		catch (JacksonException ex) {
			log.warn("unreadable fleet state of {} at {}: {}", member, record.offset(), ex.getOriginalMessage());
		}
	}

	/**
	 * @return whether the topic was read to its end at least once
	 */
	boolean caughtUp() {
		return this.caughtUp;
	}

	/**
	 * @return nano-clock time of the last poll that did not fail
	 */
	long lastReadNanos() {
		return this.lastReadNanos;
	}

	/** Publishes this worker's tombstone, so the others free its slots at once. */
	void leave() {
		try {
			this.producer.send(new ProducerRecord<>(this.topic, this.self, null));
			this.producer.flush();
		}
		catch (KafkaException ex) {
			log.warn("could not publish this worker's leaving to the fleet state: {}", ex.toString());
		}
	}

	/** Interrupts a read in progress, from another thread. */
	void wakeup() {
		this.consumer.wakeup();
	}

	@Override
	public void close() {
		this.producer.close(Duration.ofSeconds(5));
		this.consumer.close(Duration.ofSeconds(5));
	}

}
