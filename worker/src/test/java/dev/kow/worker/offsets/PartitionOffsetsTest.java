package dev.kow.worker.offsets;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionOffsetsTest {

	private final PartitionOffsets offsets = new PartitionOffsets(new TopicPartition("t", 0));

	@Test
	void commitsOnlyTheContiguousCompletedPrefixAsNextOffsetToRead() {
		for (long o = 10; o < 15; o++) {
			this.offsets.register(o);
		}
		assertThat(this.offsets.committable()).isEqualTo(10);
		this.offsets.complete(12);
		this.offsets.complete(14);
		assertThat(this.offsets.committable()).as("10 still pending").isEqualTo(10);
		this.offsets.complete(10);
		assertThat(this.offsets.committable()).as("11 still pending").isEqualTo(11);
		this.offsets.complete(11);
		assertThat(this.offsets.committable()).as("13 still pending").isEqualTo(13);
		this.offsets.complete(13);
		assertThat(this.offsets.committable()).isEqualTo(15);
		assertThat(this.offsets.pendingCount()).isZero();
	}

	@Test
	void gapsFromCompactionDoNotBlockTheCommit() {
		this.offsets.register(3);
		this.offsets.register(7);
		this.offsets.complete(3);
		assertThat(this.offsets.committable()).isEqualTo(7);
		this.offsets.complete(7);
		assertThat(this.offsets.committable()).isEqualTo(8);
	}

	@Test
	void nothingReadMeansNothingToCommit() {
		assertThat(this.offsets.committable()).isEqualTo(-1);
	}

	@Test
	void tracksWhetherACommitIsDue() {
		this.offsets.register(0);
		this.offsets.complete(0);
		assertThat(this.offsets.hasNewCommit()).isTrue();
		this.offsets.markCommitted(1);
		assertThat(this.offsets.hasNewCommit()).isFalse();
	}

	@Test
	void rejectsOffsetsGoingBackwards() {
		this.offsets.register(5);
		assertThatThrownBy(() -> this.offsets.register(4)).isInstanceOf(IllegalArgumentException.class);
	}

}
