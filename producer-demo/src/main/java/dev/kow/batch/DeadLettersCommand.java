package dev.kow.batch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code dead-letters list|replay}: what the workers dead-lettered, by reason, original
 * topic and time, and the replay of chosen ones from their original bytes.
 */
@Command(name = "dead-letters", mixinStandardHelpOptions = true,
		subcommands = { DeadLettersCommand.ListCommand.class, DeadLettersCommand.ReplayCommand.class },
		description = "List dead letters by reason, topic and time, and replay chosen ones.")
public final class DeadLettersCommand {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** Which dead letters: filters shared by list and replay. */
	static final class Selection {

		@Option(names = "--reason", description = "Only this reason (an error category, e.g. RETRIES_EXHAUSTED).")
		@Nullable String reason;

		@Option(names = "--original-topic", description = "Only dead letters of records from this topic.")
		@Nullable String originalTopic;

		@Option(names = "--since", description = "Only those written in the last DURATION (e.g. 2h, 30m).")
		@Nullable Duration since;

		@Option(names = "--key-prefix", description = "Only keys (request ids) starting so, e.g. a batch id.")
		@Nullable String keyPrefix;

		boolean matches(DeadLetter letter) {
			return (this.reason == null || this.reason.equalsIgnoreCase(letter.reason()))
					&& (this.originalTopic == null || this.originalTopic.equals(letter.originalTopic()))
					&& (this.since == null || !letter.at().isBefore(Instant.now().minus(this.since)))
					&& (this.keyPrefix == null
							|| (letter.record().key() != null && letter.record().key().startsWith(this.keyPrefix)));
		}

	}

	/** Every dead letter on the topic that matches, in partition and offset order. */
	static List<DeadLetter> read(ClusterOptions cluster, String topic, Selection selection) {
		List<DeadLetter> letters = new ArrayList<>();
		try (KafkaConsumer<String, byte[]> reader = cluster.reader()) {
			TopicReads.existing(reader, topic);
			TopicReads.each(reader, topic, null, record -> {
				DeadLetter letter = new DeadLetter(record);
				if (selection.matches(letter)) {
					letters.add(letter);
				}
			});
		}
		return letters;
	}

	/** {@code dead-letters list}: counts by reason and original topic, then each one. */
	@Command(name = "list", mixinStandardHelpOptions = true,
			description = "Count dead letters by reason and original topic; --details prints each.")
	static final class ListCommand implements Callable<Integer> {

		@Mixin
		ClusterOptions cluster = new ClusterOptions();

		@Mixin
		BatchTopicOptions topics = new BatchTopicOptions();

		@Mixin
		Selection selection = new Selection();

		@Option(names = "--details", description = "Print each dead letter (never its value) after the counts.")
		boolean details;

		@Override
		public Integer call() {
			List<DeadLetter> letters = read(this.cluster, this.topics.deadLetter, this.selection);
			Map<String, Map<String, Object>> groups = new TreeMap<>();
			for (DeadLetter letter : letters) {
				Map<String, Object> group = groups.computeIfAbsent(letter.reason() + " " + letter.originalTopic(),
						key -> {
							Map<String, Object> g = new LinkedHashMap<>();
							g.put("reason", letter.reason());
							g.put("original_topic", letter.originalTopic());
							g.put("count", 0);
							g.put("first_at", letter.at().toString());
							return g;
						});
				group.put("count", (int) group.get("count") + 1);
				group.put("last_at", letter.at().toString());
			}
			groups.values().forEach(group -> System.out.println(JSON.writeValueAsString(group)));
			if (this.details) {
				letters.forEach(letter -> System.out.println(JSON.writeValueAsString(letter.toJson())));
			}
			return 0;
		}

	}

	/**
	 * {@code dead-letters replay}: re-sends the chosen dead letters' original key, value
	 * and headers (the worker's headers removed) to their original topic or
	 * {@code --to-topic}. Without {@code --execute} it is a dry run that prints what it
	 * would send.
	 */
	@Command(name = "replay", mixinStandardHelpOptions = true,
			description = "Re-send chosen dead letters from their original bytes (a dry run without --execute).")
	static final class ReplayCommand implements Callable<Integer> {

		@Mixin
		ClusterOptions cluster = new ClusterOptions();

		@Mixin
		BatchTopicOptions topics = new BatchTopicOptions();

		@Mixin
		Selection selection = new Selection();

		@Option(names = "--to-topic", description = "Send here instead of each record's original topic.")
		@Nullable String toTopic;

		@Option(names = "--execute", description = "Send (without it, only show what would be sent).")
		boolean execute;

		@Override
		public Integer call() throws InterruptedException {
			List<DeadLetter> letters = read(this.cluster, this.topics.deadLetter, this.selection);
			if (!this.execute) {
				for (DeadLetter letter : letters) {
					Map<String, Object> line = letter.toJson();
					line.put("would_send_to", target(letter));
					System.out.println(JSON.writeValueAsString(line));
				}
				System.err.printf("dry run: %d dead letter(s) would be sent; --execute sends them%n", letters.size());
				return 0;
			}
			List<String> failures = new ArrayList<>();
			List<Future<RecordMetadata>> sends = new ArrayList<>();
			try (KafkaProducer<String, byte[]> producer = this.cluster.producer()) {
				for (DeadLetter letter : letters) {
					sends.add(producer.send(new ProducerRecord<>(target(letter), null, letter.record().key(),
							letter.record().value(), letter.originalHeaders())));
				}
				producer.flush();
				for (int i = 0; i < sends.size(); i++) {
					try {
						sends.get(i).get(60, TimeUnit.SECONDS);
					}
					catch (ExecutionException | TimeoutException ex) {
						DeadLetter letter = letters.get(i);
						failures.add(letter.record().topic() + "-" + letter.record().partition() + "@"
								+ letter.record().offset() + ": " + ex);
					}
				}
			}
			System.out.printf("{\"replayed\":%d,\"not_sent\":%d}%n", letters.size() - failures.size(), failures.size());
			failures.forEach(failure -> System.err.println("not sent: " + failure));
			return failures.isEmpty() ? 0 : 1;
		}

		private String target(DeadLetter letter) {
			return (this.toTopic != null) ? this.toTopic : letter.originalTopic();
		}

	}

}
