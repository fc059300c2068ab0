package dev.kow.worker.fleet;

import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kow.worker.job.Lane;
import dev.kow.worker.job.LaneWeights;

/**
 * Every worker's slots on every host, computed from the fleet's shared view. A pure
 * function: every worker computes the same allocation from the same view.
 *
 * <ol>
 * <li><b>Lanes.</b> The fleet's slots go to lanes one at a time, each to the lane with
 * the least slots per weight among the lanes whose fleet-wide want (running plus waiting)
 * is not met (ties to the more urgent lane): weighted max-min fairness, so a lane gets
 * {@code slots x weight / sum of the weights of the lanes with work}, and what a lane
 * cannot use goes to the others (work-conserving).</li>
 * <li><b>Members.</b> A lane's slots go to its members one at a time, each to the member
 * with the fewest slots of the lane among those whose want is not met; ties go to the
 * member whose oldest job has waited longest, then by member id. With more members than
 * slots, the members that have waited longest get the slots, and as they run, others'
 * jobs become the oldest: slots rotate and no member with waiting jobs starves.</li>
 * <li><b>Hosts.</b> A member keeps the slots it runs on first, then takes free slots in
 * host order on hosts that serve a model it waits for, so quotas move between hosts as
 * little as possible. A quota that finds no such host is dropped, and each host's free
 * slots then go to the members that wait for its models and still want more, the
 * longest-waiting first: with hosts that serve different models no slot is left to a
 * member that cannot use it while another waits for it.</li>
 * <li><b>Surplus.</b> Slots nobody wants are spread over the members one at a time, so a
 * job that arrives at an idle fleet starts at once instead of after the next recompute;
 * the next allocation takes them back where they are wanted.</li>
 * </ol>
 * Per host, the quotas add up to at most its slots.
 */
public final class FleetAllocation {

	private FleetAllocation() {
	}

	/**
	 * @param hosts the hosts, in configuration order
	 * @param members the members' last states
	 * @param weights the lane weights
	 * @return member id to (host id to slots, in host order); every member of
	 * {@code members} is present
	 */
	public static Map<String, Map<String, Integer>> allocate(List<FleetHost> hosts, Collection<MemberState> members,
			LaneWeights weights) {
		int total = hosts.stream().mapToInt(FleetHost::slots).sum();
		List<MemberState> order = members.stream()
			.sorted(Comparator
				.comparingLong((MemberState m) -> m.waitingSinceMs() == 0 ? Long.MAX_VALUE : m.waitingSinceMs())
				.thenComparing(MemberState::member))
			.toList();
		Map<Lane, Integer> laneSlots = laneSlots(total, order, weights);
		Map<String, Integer> quota = new LinkedHashMap<>();
		order.forEach(member -> quota.put(member.member(), 0));
		for (Lane lane : Lane.values()) {
			Map<String, Integer> inLane = new LinkedHashMap<>();
			order.forEach(member -> inLane.put(member.member(), 0));
			for (int slot = 0; slot < laneSlots.getOrDefault(lane, 0); slot++) {
				MemberState pick = null;
				for (MemberState member : order) {
					int held = inLane.getOrDefault(member.member(), 0);
					if (held < member.want(lane) && (pick == null || held < inLane.getOrDefault(pick.member(), 0))) {
						pick = member;
					}
				}
				if (pick == null) {
					break;
				}
				inLane.merge(pick.member(), 1, Integer::sum);
				quota.merge(pick.member(), 1, Integer::sum);
			}
		}
		return toHosts(hosts, order, quota);
	}

	/**
	 * The hand-over guard: what one member may use of its quota now. On each host it may
	 * use at most what the others neither run nor claim (their published
	 * {@link MemberState#shares()}, or their quota when they publish none), so a slot
	 * moves to it only after its holder has given up its claim and released the slot.
	 * @param hosts the hosts, in configuration order
	 * @param live the members' last states, {@code self}'s included
	 * @param self the member asking
	 * @param allocation the allocation computed from {@code live}
	 * @return host id to the slots {@code self} may use, in host order
	 */
	public static Map<String, Integer> handOver(List<FleetHost> hosts, Collection<MemberState> live, String self,
			Map<String, Map<String, Integer>> allocation) {
		Map<String, Integer> usable = new LinkedHashMap<>();
		for (FleetHost host : hosts) {
			int others = 0;
			for (MemberState member : live) {
				if (!member.member().equals(self)) {
					int quota = allocation.getOrDefault(member.member(), Map.of()).getOrDefault(host.id(), 0);
					others += Math.max(member.runningOn(host.id()), member.shares().getOrDefault(host.id(), quota));
				}
			}
			int mine = allocation.getOrDefault(self, Map.of()).getOrDefault(host.id(), 0);
			usable.put(host.id(), Math.max(0, Math.min(mine, host.slots() - others)));
		}
		return usable;
	}

	/** Weighted max-min fair split of the fleet's slots among the lanes with work. */
	private static Map<Lane, Integer> laneSlots(int total, List<MemberState> members, LaneWeights weights) {
		Map<Lane, Integer> want = new EnumMap<>(Lane.class);
		Map<Lane, Integer> slots = new EnumMap<>(Lane.class);
		for (Lane lane : Lane.values()) {
			want.put(lane, members.stream().mapToInt(member -> member.want(lane)).sum());
			slots.put(lane, 0);
		}
		for (int slot = 0; slot < total; slot++) {
			Lane pick = null;
			for (Lane lane : Lane.values()) {
				int held = slots.getOrDefault(lane, 0);
				if (held < want.getOrDefault(lane, 0) && (pick == null
						|| (long) held * weights.of(pick) < (long) slots.getOrDefault(pick, 0) * weights.of(lane))) {
					pick = lane;
				}
			}
			if (pick == null) {
				break;
			}
			slots.merge(pick, 1, Integer::sum);
		}
		return slots;
	}

	/**
	 * Places each member's quota on hosts: where it runs, then free slots on hosts that
	 * serve its models; then fills each host's free slots for members that still want
	 * more, and spreads the surplus.
	 */
	private static Map<String, Map<String, Integer>> toHosts(List<FleetHost> hosts, List<MemberState> order,
			Map<String, Integer> quota) {
		Map<String, Integer> free = new LinkedHashMap<>();
		hosts.forEach(host -> free.put(host.id(), host.slots()));
		Map<String, Integer> left = new LinkedHashMap<>(quota);
		Map<String, Map<String, Integer>> placed = new LinkedHashMap<>();
		List<MemberState> byId = order.stream().sorted(Comparator.comparing(MemberState::member)).toList();
		for (MemberState member : byId) {
			Map<String, Integer> onHosts = new LinkedHashMap<>();
			hosts.forEach(host -> onHosts.put(host.id(), 0));
			placed.put(member.member(), onHosts);
			for (FleetHost host : hosts) {
				int keep = Math.min(member.runningOn(host.id()),
						Math.min(left.getOrDefault(member.member(), 0), free.getOrDefault(host.id(), 0)));
				place(member.member(), host.id(), keep, onHosts, free, left);
			}
		}
		for (MemberState member : byId) {
			for (FleetHost host : hosts) {
				if (host.servesAnyOf(member)) {
					int add = Math.min(left.getOrDefault(member.member(), 0), free.getOrDefault(host.id(), 0));
					place(member.member(), host.id(), add, placed.getOrDefault(member.member(), Map.of()), free, left);
				}
			}
		}
		for (FleetHost host : hosts) {
			for (MemberState member : order) {
				Map<String, Integer> onHosts = placed.getOrDefault(member.member(), Map.of());
				int unmet = member.want() - onHosts.values().stream().mapToInt(Integer::intValue).sum();
				if (unmet > 0 && host.servesAnyOf(member)) {
					place(member.member(), host.id(), Math.min(unmet, free.getOrDefault(host.id(), 0)), onHosts, free,
							left);
				}
			}
		}
		int next = 0;
		for (FleetHost host : hosts) {
			for (; free.getOrDefault(host.id(), 0) > 0 && !order.isEmpty(); next++) {
				String id = order.get(next % order.size()).member();
				place(id, host.id(), 1, placed.getOrDefault(id, Map.of()), free, left);
			}
		}
		return placed;
	}

	private static void place(String member, String host, int slots, Map<String, Integer> onHosts,
			Map<String, Integer> free, Map<String, Integer> left) {
		if (slots > 0) {
			onHosts.merge(host, slots, Integer::sum);
			free.merge(host, -slots, Integer::sum);
			left.merge(member, -slots, Integer::sum);
		}
	}

}
