package dev.kow.worker.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.kow.worker.job.Lane;
import dev.kow.worker.job.LaneWeights;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The fleet's allocation as a pure function of the shared view. */
class FleetAllocationTest {

	/**
	 * The time the states were taken, epoch ms; a member's oldest job waited since some
	 * ms before.
	 */
	private static final long NOW_MS = 1_000_000;

	private static List<FleetHost> hosts(int... slots) {
		List<FleetHost> hosts = new ArrayList<>();
		for (int i = 0; i < slots.length; i++) {
			hosts.add(new FleetHost("h" + i, slots[i], Set.of()));
		}
		return hosts;
	}

	private static MemberState waiting(String member, long oldestMs, int high, int normal, int batch) {
		return new MemberState(member, 0, Map.of(Lane.HIGH, high, Lane.NORMAL, normal, Lane.BATCH, batch), Map.of(),
				oldestMs == 0 ? 0 : NOW_MS - oldestMs, Set.of(), Map.of());
	}

	private static MemberState running(String member, String host, Lane lane, int count, int waitingBatch) {
		return new MemberState(member, 0, Map.of(Lane.BATCH, waitingBatch), Map.of(host, Map.of(lane, count)),
				waitingBatch > 0 ? NOW_MS - 1 : 0, Set.of(), Map.of());
	}

	private static int total(Map<String, Integer> onHosts) {
		return onHosts.values().stream().mapToInt(Integer::intValue).sum();
	}

	private static void assertNoHostOverItsSlots(List<FleetHost> hosts, Map<String, Map<String, Integer>> allocation) {
		hosts.forEach(host -> assertThat(
				allocation.values().stream().mapToInt(onHosts -> onHosts.getOrDefault(host.id(), 0)).sum())
			.as("quotas on " + host.id())
			.isLessThanOrEqualTo(host.slots()));
	}

	@Test
	void aBacklogOnOneWorkerGetsEverySlotWhileTheOthersHaveNothingToRun() {
		List<FleetHost> hosts = hosts(4, 4);
		Map<String, Map<String, Integer>> allocation = FleetAllocation.allocate(hosts,
				List.of(waiting("w1", 5_000, 0, 0, 400), waiting("w2", 0, 0, 0, 0), waiting("w3", 0, 0, 0, 0)),
				LaneWeights.DEFAULT);
		assertThat(total(allocation.get("w1"))).isEqualTo(8);
		assertThat(total(allocation.get("w2"))).isZero();
		assertThat(total(allocation.get("w3"))).isZero();
		assertNoHostOverItsSlots(hosts, allocation);
	}

	@Test
	void lanesShareTheFleetsSlotsByWeightWhicheverWorkerHoldsThem() {
		List<FleetHost> hosts = hosts(6, 6);
		Map<String, Map<String, Integer>> allocation = FleetAllocation.allocate(hosts,
				List.of(waiting("w1", 100, 300, 0, 0), waiting("w2", 100, 0, 300, 0), waiting("w3", 100, 0, 0, 300)),
				LaneWeights.DEFAULT);
		assertThat(total(allocation.get("w1"))).as("high: 12 x 8/12").isEqualTo(8);
		assertThat(total(allocation.get("w2"))).as("normal: 12 x 3/12").isEqualTo(3);
		assertThat(total(allocation.get("w3"))).as("batch: 12 x 1/12").isEqualTo(1);
		assertNoHostOverItsSlots(hosts, allocation);
	}

	@Test
	void aHighBurstOnOneWorkerTakesTheHighShareFromBatchRunningElsewhere() {
		List<FleetHost> hosts = hosts(4, 4);
		Map<String, Map<String, Integer>> allocation = FleetAllocation.allocate(hosts,
				List.of(running("w1", "h0", Lane.BATCH, 4, 100), running("w2", "h1", Lane.BATCH, 4, 100),
						waiting("w3", 10, 300, 0, 0)),
				LaneWeights.DEFAULT);
		assertThat(total(allocation.get("w3"))).as("8/9 of 8 slots, rounded: 7").isEqualTo(7);
		assertThat(total(allocation.get("w1")) + total(allocation.get("w2"))).isEqualTo(1);
		assertNoHostOverItsSlots(hosts, allocation);
	}

	@Test
	void withMoreWorkersThanSlotsTheLongestWaitingGetThemAndNoneIsLeftOut() {
		List<FleetHost> hosts = hosts(4);
		List<MemberState> six = List.of(waiting("w1", 10, 0, 0, 5), waiting("w2", 60, 0, 0, 5),
				waiting("w3", 20, 0, 0, 5), waiting("w4", 50, 0, 0, 5), waiting("w5", 40, 0, 0, 5),
				waiting("w6", 30, 0, 0, 5));
		Map<String, Map<String, Integer>> allocation = FleetAllocation.allocate(hosts, six, LaneWeights.DEFAULT);
		assertThat(allocation).allSatisfy((member, onHosts) -> assertThat(total(onHosts)).isLessThanOrEqualTo(1));
		assertThat(allocation.entrySet().stream().filter(e -> total(e.getValue()) == 1).map(Map.Entry::getKey))
			.containsExactlyInAnyOrder("w2", "w4", "w5", "w6");
		assertNoHostOverItsSlots(hosts, allocation);
	}

	@Test
	void aWorkerKeepsTheHostItRunsOnAndQuotasNeverExceedAHost() {
		List<FleetHost> hosts = hosts(2, 2);
		Map<String, Map<String, Integer>> allocation = FleetAllocation.allocate(hosts,
				List.of(running("w1", "h1", Lane.BATCH, 2, 0), waiting("w2", 10, 0, 0, 10)), LaneWeights.DEFAULT);
		assertThat(allocation.get("w1")).containsEntry("h1", 2).containsEntry("h0", 0);
		assertThat(allocation.get("w2")).containsEntry("h0", 2).containsEntry("h1", 0);
		assertNoHostOverItsSlots(hosts, allocation);
	}

	@Test
	void everyWorkerComputesTheSameAllocationWhateverOrderItReadTheStatesIn() {
		List<FleetHost> hosts = hosts(3, 5);
		List<MemberState> states = List.of(waiting("a", 3, 2, 1, 9), running("b", "h0", Lane.NORMAL, 2, 4),
				waiting("c", 7, 0, 4, 2));
		assertThat(FleetAllocation.allocate(hosts, states.reversed(), LaneWeights.DEFAULT))
			.isEqualTo(FleetAllocation.allocate(hosts, states, LaneWeights.DEFAULT));
	}

	@Test
	void slotsNobodyWantsAreSpreadOverTheMembersSoANewJobNeedNotWaitForARecompute() {
		List<FleetHost> hosts = hosts(4, 4);
		Map<String, Map<String, Integer>> allocation = FleetAllocation.allocate(hosts,
				List.of(waiting("w1", 10, 0, 0, 2), waiting("w2", 0, 0, 0, 0), waiting("w3", 0, 0, 0, 0)),
				LaneWeights.DEFAULT);
		assertThat(total(allocation.get("w1"))).as("its 2 jobs and 2 of the 6 spare slots").isEqualTo(4);
		assertThat(total(allocation.get("w2"))).isEqualTo(2);
		assertThat(total(allocation.get("w3"))).isEqualTo(2);
		assertThat(FleetAllocation.allocate(hosts, List.of(waiting("alone", 0, 0, 0, 0)), LaneWeights.DEFAULT))
			.as("a worker alone may use every slot")
			.containsEntry("alone", Map.of("h0", 4, "h1", 4));
		assertNoHostOverItsSlots(hosts, allocation);
	}

	@Test
	void aHostThatServesOnlyOtherModelsGoesToTheWorkerThatWaitsForItsModel() {
		List<FleetHost> hosts = List.of(new FleetHost("embed", 4, Set.of("nomic-embed-text:latest")),
				new FleetHost("chat", 4, Set.of("llama3.2:latest")));
		MemberState chats = new MemberState("a", 0, Map.of(Lane.BATCH, 100), Map.of(), NOW_MS - 50,
				Set.of("llama3.2:latest"), Map.of());
		MemberState embeds = new MemberState("b", 0, Map.of(Lane.BATCH, 100), Map.of(), NOW_MS - 10,
				Set.of("nomic-embed-text:latest"), Map.of());
		Map<String, Map<String, Integer>> allocation = FleetAllocation.allocate(hosts, List.of(chats, embeds),
				LaneWeights.DEFAULT);
		assertThat(allocation.get("a")).as("all of the chat host, none of the embedding host")
			.containsEntry("chat", 4)
			.containsEntry("embed", 0);
		assertThat(allocation.get("b")).containsEntry("chat", 0).containsEntry("embed", 4);
		assertNoHostOverItsSlots(hosts, allocation);
	}

	@Test
	void aQuotaThatFitsNoHostOfItsModelGoesToWhoeverCanUseTheSlot() {
		List<FleetHost> hosts = List.of(new FleetHost("chat", 4, Set.of("llama3.2:latest")),
				new FleetHost("any", 2, Set.of()));
		MemberState chats = new MemberState("a", 0, Map.of(Lane.BATCH, 100), Map.of(), NOW_MS - 50,
				Set.of("llama3.2:latest"), Map.of());
		MemberState others = new MemberState("b", 0, Map.of(Lane.BATCH, 100), Map.of(), NOW_MS - 10,
				Set.of("qwen3:latest"), Map.of());
		Map<String, Map<String, Integer>> allocation = FleetAllocation.allocate(hosts, List.of(chats, others),
				LaneWeights.DEFAULT);
		assertThat(total(allocation.get("b"))).as("b can only use the host that serves any model").isEqualTo(2);
		assertThat(allocation.get("a")).as("a gets the rest, none of it idle").containsEntry("chat", 4);
		assertNoHostOverItsSlots(hosts, allocation);
	}

	@Test
	void aSlotMovesOnlyAfterItsHolderHasGivenUpItsClaimAndReleasedIt() {
		List<FleetHost> hosts = hosts(4);
		// a runs 4 batch and claims all 4; b has high-priority jobs waiting
		MemberState holding = new MemberState("a", 0, Map.of(Lane.BATCH, 50), Map.of("h0", Map.of(Lane.BATCH, 4)),
				NOW_MS - 100, Set.of(), Map.of("h0", 4));
		MemberState waitingHigh = new MemberState("b", 0, Map.of(Lane.HIGH, 10), Map.of(), NOW_MS - 10, Set.of(),
				Map.of("h0", 0));
		List<MemberState> before = List.of(holding, waitingHigh);
		Map<String, Map<String, Integer>> allocation = FleetAllocation.allocate(hosts, before, LaneWeights.DEFAULT);
		assertThat(allocation.get("b")).as("the allocation gives b the high share").containsEntry("h0", 3);
		assertThat(FleetAllocation.handOver(hosts, before, "b", allocation))
			.as("but b takes nothing while a claims and runs every slot")
			.containsEntry("h0", 0);

		// a has read b's demand and lowered its claim, but still runs 4 until it sheds
		MemberState lowered = new MemberState("a", 0, Map.of(Lane.BATCH, 50), Map.of("h0", Map.of(Lane.BATCH, 4)),
				NOW_MS - 100, Set.of(), Map.of("h0", 1));
		assertThat(FleetAllocation.handOver(hosts, List.of(lowered, waitingHigh), "b", allocation)).containsEntry("h0",
				0);

		// a has shed three attempts
		MemberState released = new MemberState("a", 0, Map.of(Lane.BATCH, 53), Map.of("h0", Map.of(Lane.BATCH, 1)),
				NOW_MS - 100, Set.of(), Map.of("h0", 1));
		assertThat(FleetAllocation.handOver(hosts, List.of(released, waitingHigh), "b", allocation)).containsEntry("h0",
				3);
	}

	@Test
	void aWorkersOwnClaimCountsEvenWhereTheAllocationGivesItLess() {
		List<FleetHost> hosts = hosts(4);
		MemberState claiming = new MemberState("a", 0, Map.of(), Map.of(), 0, Set.of(), Map.of("h0", 2));
		MemberState wanting = new MemberState("b", 0, Map.of(Lane.BATCH, 10), Map.of(), NOW_MS - 10, Set.of(),
				Map.of());
		List<MemberState> live = List.of(claiming, wanting);
		Map<String, Map<String, Integer>> allocation = FleetAllocation.allocate(hosts, live, LaneWeights.DEFAULT);
		assertThat(allocation.get("b")).containsEntry("h0", 4);
		assertThat(FleetAllocation.handOver(hosts, live, "b", allocation))
			.as("a's spare-slot claim stands until a reads b's demand")
			.containsEntry("h0", 2);
	}

}
