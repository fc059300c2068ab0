package dev.kow.worker.hosts;

import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The split of a host's slots among the group's members. */
class SlotSharingTest {

	private static List<String> members(int n) {
		return IntStream.range(0, n).mapToObj(i -> "consumer-" + (char) ('a' + i)).toList();
	}

	@Test
	void everyHostsSharesAddUpToItsSlotsWhateverTheFleetSize() {
		for (int n = 1; n <= 7; n++) {
			List<String> members = members(n);
			for (int slots = 1; slots <= 9; slots++) {
				for (int host = 0; host < 4; host++) {
					int h = host;
					int s = slots;
					int total = members.stream().mapToInt(m -> SlotSharing.share(s, h, members, m)).sum();
					assertThat(total).as("%d members, %d slots, host %d", members.size(), slots, host).isEqualTo(slots);
					assertThat(members).allSatisfy(m -> assertThat(SlotSharing.share(s, h, members, m))
						.isBetween(s / members.size(), s / members.size() + 1));
				}
			}
		}
	}

	@Test
	void remaindersOfDifferentHostsGoToDifferentMembers() {
		List<String> members = members(3);
		// three hosts of 4 slots, three workers: 4/3 each, the spare slot of each host to
		// another worker
		assertThat(members)
			.allSatisfy(m -> assertThat(IntStream.range(0, 3).map(host -> SlotSharing.share(4, host, members, m)).sum())
				.isEqualTo(4));
	}

	@Test
	void theSplitDoesNotDependOnTheOrderTheBrokerListsTheMembers() {
		List<String> members = members(4);
		List<String> reversed = members.reversed();
		assertThat(members).allSatisfy(
				m -> assertThat(SlotSharing.share(6, 1, reversed, m)).isEqualTo(SlotSharing.share(6, 1, members, m)));
	}

	@Test
	void moreMembersThanSlotsLeavesSomeWithoutASlotOfThatHost() {
		List<String> members = members(5);
		assertThat(members.stream().map(m -> SlotSharing.share(2, 0, members, m))).containsExactly(1, 1, 0, 0, 0);
		assertThatThrownBy(() -> SlotSharing.share(2, 0, members, "stranger"))
			.isInstanceOf(IllegalArgumentException.class);
	}

}
