package dev.kow.batch;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code batch status ID [--watch]}: the batch object, from its record and the counts the
 * workers publish (one key of two compacted topics; the results are not read).
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Print a batch's object.")
public final class BatchStatusCommand implements Callable<Integer> {

	@Mixin
	ClusterOptions cluster = new ClusterOptions();

	@Mixin
	BatchTopicOptions topics = new BatchTopicOptions();

	@Parameters(index = "0", paramLabel = "ID", description = "The batch id.")
	String id = "";

	@Option(names = "--watch", description = "Show a progress bar with the counts until the batch ends.")
	boolean watch;

	@Option(names = "--interval", defaultValue = "1s", description = "--watch: how often (default ${DEFAULT-VALUE}).")
	Duration interval = Duration.ofSeconds(1);

	@Override
	public Integer call() throws Exception {
		try (KafkaConsumer<String, byte[]> reader = this.cluster.reader()) {
			Optional<BatchView> view = BatchRecords.find(reader, this.topics, this.id);
			if (view.isEmpty()) {
				return 1;
			}
			if (this.watch) {
				view = Optional.of(watch(reader, view.get()));
			}
			BatchRecords.print(view.get());
			return 0;
		}
	}

	private BatchView watch(KafkaConsumer<String, byte[]> reader, BatchView first) throws InterruptedException {
		BatchView view = first;
		try (ProgressBar bar = new ProgressBarBuilder().setTaskName(this.id)
			.setInitialMax(view.batch().total())
			.setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
			.build()) {
			while (true) {
				String status = view.status(Instant.now().getEpochSecond());
				bar.stepTo(view.counts().finished());
				bar.setExtraMessage(status + " ok " + view.counts().completed() + " failed " + view.counts().failed()
						+ " expired " + view.counts().expired() + " cancelled " + view.counts().cancelled());
				if (BatchView.isFinal(status)) {
					return view;
				}
				Thread.sleep(this.interval.toMillis());
				view = BatchRecords.view(reader, this.topics, this.id).orElse(view);
			}
		}
	}

}
