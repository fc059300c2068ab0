package dev.kow.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;

/** Samples process CPU time and used heap every 20 ms while a system runs. */
final class Sampler implements AutoCloseable {

	/**
	 * Heap in use, and heap still in use after the latest collection of each heap pool
	 * (live data).
	 */
	record Sample(long epochMs, long cpuNanos, long heapBytes, long liveHeapBytes) {
	}

	private final List<Sample> samples = new ArrayList<>();

	private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

	private volatile boolean running = true;

	private final Thread thread;

	Sampler() {
		System.gc();
		this.thread = Thread.ofPlatform().daemon().name("bench-sampler").start(() -> {
			while (this.running) {
				long live = 0;
				for (java.lang.management.MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
					if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
						live += pool.getCollectionUsage().getUsed();
					}
				}
				Sample sample = new Sample(System.currentTimeMillis(), BenchEnvironment.processCpuNanos(),
						this.memory.getHeapMemoryUsage().getUsed(), live);
				synchronized (this.samples) {
					this.samples.add(sample);
				}
				BenchEnvironment.sleep(20);
			}
		});
	}

	/**
	 * @return CPU seconds the process used between two wall-clock instants
	 */
	double cpuSeconds(long fromMs, long toMs) {
		return (at(toMs).cpuNanos() - at(fromMs).cpuNanos()) / 1e9;
	}

	/**
	 * @return the highest used heap seen, MB
	 */
	double peakHeapMb() {
		synchronized (this.samples) {
			return this.samples.stream().mapToLong(Sample::heapBytes).max().orElse(0) / 1048576.0;
		}
	}

	/**
	 * @return the highest heap still in use after a collection, MB: the live data,
	 * without garbage
	 */
	double peakLiveHeapMb() {
		synchronized (this.samples) {
			return this.samples.stream().mapToLong(Sample::liveHeapBytes).max().orElse(0) / 1048576.0;
		}
	}

	private Sample at(long epochMs) {
		synchronized (this.samples) {
			Sample best = this.samples.get(0);
			for (Sample sample : this.samples) {
				if (Math.abs(sample.epochMs() - epochMs) < Math.abs(best.epochMs() - epochMs)) {
					best = sample;
				}
			}
			return best;
		}
	}

	@Override
	public void close() throws InterruptedException {
		this.running = false;
		this.thread.join(1000);
	}

}
