package dev.kow.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic text and vectors: the same model, prompt and seed always give the same
 * answer, and output lengths follow a long-tailed distribution like chat answers (median
 * about 160 tokens, a few past 600), so benchmarks see realistic service-time variance.
 */
public final class TextGenerator {

	private static final String[] WORDS = ("the a model answer can will data kafka worker token slot host gpu queue "
			+ "priority batch result stream offset partition because however therefore example first second next "
			+ "simple clear helpful question reply step value time fast slow safe check list point idea plan help "
			+ "you we it this that with from into over under about more less good best")
		.split(" ");

	private TextGenerator() {
	}

	/**
	 * Estimates tokens the way Ollama's tokenizers roughly count: about 4 characters per
	 * token.
	 * @param text any text
	 * @return estimated tokens, at least 1 for non-empty text
	 */
	public static int estimateTokens(String text) {
		return text.isEmpty() ? 0 : Math.max(1, (text.length() + 3) / 4);
	}

	/**
	 * The natural answer length for a prompt, before {@code num_predict} caps it.
	 * @param seed the request seed
	 * @return tokens, 8 to 1200
	 */
	public static int naturalLength(long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		double gaussian = Math.sqrt(-2 * Math.log(1 - random.nextDouble()))
				* Math.cos(2 * Math.PI * random.nextDouble());
		return (int) Math.max(8, Math.min(1200, Math.round(Math.exp(Math.log(160) + 0.7 * gaussian))));
	}

	/**
	 * The token texts of an answer.
	 * @param seed the request seed
	 * @param count number of tokens
	 * @param json whether to produce a JSON object text (for {@code format})
	 * @return one string per token; concatenated they form the answer
	 */
	public static List<String> tokens(long seed, int count, boolean json) {
		SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
		List<String> tokens = new ArrayList<>(count);
		if (json) {
			tokens.add("{\"answer\": \"");
			for (int i = 1; i < count - 1; i++) {
				tokens.add((i == 1 ? "" : " ") + WORDS[random.nextInt(WORDS.length)]);
			}
			tokens.add("\"}");
			return tokens.subList(0, Math.max(1, Math.min(tokens.size(), count)));
		}
		for (int i = 0; i < count; i++) {
			String word = WORDS[random.nextInt(WORDS.length)];
			if (i == 0) {
				word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
			}
			tokens.add((i == 0 ? "" : (random.nextInt(12) == 0 ? ". " : " ")) + word);
		}
		return tokens;
	}

	/**
	 * A deterministic unit vector (L2 norm 1), as {@code /api/embed} returns.
	 * @param seed seed from model and input
	 * @param dimensions vector length
	 * @return the vector
	 */
	public static float[] unitVector(long seed, int dimensions) {
		SplittableRandom random = new SplittableRandom(seed);
		float[] v = new float[dimensions];
		double norm = 0;
		for (int i = 0; i < dimensions; i++) {
			v[i] = (float) (random.nextDouble() * 2 - 1);
			norm += v[i] * v[i];
		}
		float scale = (float) (1 / Math.sqrt(norm));
		for (int i = 0; i < dimensions; i++) {
			v[i] *= scale;
		}
		return v;
	}

	/**
	 * A stable 64-bit seed from strings (FNV-1a).
	 * @param parts the strings
	 * @return the seed
	 */
	public static long seed(String... parts) {
		long h = 0xcbf29ce484222325L;
		for (String part : parts) {
			for (int i = 0; i < part.length(); i++) {
				h ^= part.charAt(i);
				h *= 0x100000001b3L;
			}
			h ^= 0xff;
			h *= 0x100000001b3L;
		}
		return h;
	}

}
