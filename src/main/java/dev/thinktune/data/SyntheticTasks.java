package dev.thinktune.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Multi-step arithmetic word problems for thinktune's own small models, in GSM8K's JSONL format (so
 * {@link Gsm8kFormat} reads them): short questions, one arithmetic step a solution line, whole numbers only, every
 * intermediate result between 2 and {@link Difficulty#maxResult()}. Four families of templates, with a dozen names
 * and items: a person's collection that grows and shrinks, a chain of people compared with each other, a shopping
 * bill with change, and a production rate. For example:
 * <pre>
 * Mia has 12 apples. She buys 5 more. Then she gives 3 apples to Tom. How many apples does Mia have now?
 *
 * Mia has 12 apples. She buys 5 more, so she has 12 + 5 = 17 apples.
 * She gives 3 to Tom, so she has 17 - 3 = 14 apples.
 * #### 14
 * </pre>
 * Generation is deterministic: the same seed and difficulty give the same problems, and {@link #write} the same
 * bytes. Instances are immutable; the random state is the caller's.
 *
 * @param difficulty the number of steps and the range of the numbers
 */
public record SyntheticTasks(Difficulty difficulty) {

    /**
     * How hard the problems are.
     *
     * @param minSteps   fewest arithmetic steps (solution lines) of a problem
     * @param maxSteps   most steps
     * @param maxOperand largest number added or taken away in one step (prices and rates too)
     * @param maxResult  largest result of any step
     */
    public record Difficulty(int minSteps, int maxSteps, int maxOperand, int maxResult) {

        public static final Difficulty EASY = new Difficulty(2, 2, 10, 100);
        public static final Difficulty MEDIUM = new Difficulty(2, 3, 20, 999);
        public static final Difficulty HARD = new Difficulty(3, 4, 50, 999);

        public Difficulty {
            if (minSteps < 1 || maxSteps < minSteps || maxSteps > 8) {
                throw new IllegalArgumentException("steps must satisfy 1 <= min <= max <= 8, got " + minSteps
                        + ".." + maxSteps);
            }
            if (maxOperand < 2 || maxResult < 10 || maxOperand > maxResult) {
                throw new IllegalArgumentException("need 2 <= max operand <= max result and max result >= 10, got"
                        + " operand " + maxOperand + ", result " + maxResult);
            }
        }

        /** easy, medium or hard. */
        public static Difficulty byName(String name) {
            return switch (name.strip().toLowerCase(Locale.ROOT)) {
                case "easy" -> EASY;
                case "medium" -> MEDIUM;
                case "hard" -> HARD;
                default -> throw new IllegalArgumentException("unknown difficulty '" + name
                        + "'; known: easy, medium, hard");
            };
        }

        /** The largest multiplier or divisor: a quarter of the largest operand, between 2 and 12. */
        public int maxFactor() {
            return Math.max(2, Math.min(12, maxOperand / 4));
        }
    }

    /**
     * One problem.
     *
     * @param question the question text
     * @param solution the worked solution, one arithmetic step a line, without the final {@code ####} line
     * @param answer   the final result
     */
    public record Task(String question, String solution, int answer) {

        /** The GSM8K answer field: the solution and a final {@code #### n} line. */
        public String gsm8kAnswer() {
            return solution + "\n#### " + answer;
        }

        /** This task as the {@link Example} the GSM8K reader would make of it. */
        public Example toExample(String id) {
            return new Example(id, question, Integer.toString(answer), solution, List.of(), Example.AnswerType.NUMBER);
        }
    }

    /** Training and test problems; no question is in both. */
    public record Split(List<Task> train, List<Task> test) {
        public Split {
            train = List.copyOf(train);
            test = List.copyOf(test);
        }
    }

    public static final String TRAIN_FILE = "train.jsonl";
    public static final String TEST_FILE = "test.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Person(String name, String subject, String object) {
        String capitalSubject() {
            return capitalize(subject);
        }
    }

    private static final List<Person> PEOPLE = List.of(
            new Person("Mia", "she", "her"), new Person("Tom", "he", "him"),
            new Person("Ava", "she", "her"), new Person("Leo", "he", "him"),
            new Person("Zoe", "she", "her"), new Person("Sam", "he", "him"),
            new Person("Lily", "she", "her"), new Person("Max", "he", "him"),
            new Person("Emma", "she", "her"), new Person("Ben", "he", "him"),
            new Person("Nora", "she", "her"), new Person("Omar", "he", "him"));

    private static final List<String> ITEMS = List.of("apples", "pencils", "stickers", "marbles", "cookies",
            "books", "cards", "shells", "balloons", "stamps", "buttons", "crayons");

    private record Product(String singular, String plural) {
    }

    private static final List<Product> PRODUCTS = List.of(new Product("pen", "pens"),
            new Product("notebook", "notebooks"), new Product("ball", "balls"), new Product("cup", "cups"),
            new Product("toy car", "toy cars"), new Product("puzzle", "puzzles"), new Product("hat", "hats"),
            new Product("kite", "kites"));

    private static final List<String> EXTRAS = List.of("bag", "bottle of water", "sandwich", "ruler", "card",
            "box of crayons");

    private record Maker(String who, String verb, String items) {
    }

    private static final List<Maker> MAKERS = List.of(new Maker("A baker", "bakes", "cookies"),
            new Maker("A farmer", "picks", "apples"), new Maker("A machine", "makes", "toys"),
            new Maker("A printer", "prints", "posters"), new Maker("A potter", "makes", "bowls"),
            new Maker("A bakery", "bakes", "muffins"));

    private static final int[] BILLS = {10, 20, 50, 100, 200, 500, 1000};

    public SyntheticTasks {
        Objects.requireNonNull(difficulty, "difficulty");
    }

    /** One problem drawn with {@code rng}. */
    public Task generate(SplittableRandom rng) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int steps = between(rng, difficulty.minSteps(), difficulty.maxSteps());
            int family = rng.nextInt(steps <= 3 ? 4 : 3);
            Optional<Task> t = switch (family) {
                case 0 -> collection(rng, steps);
                case 1 -> comparison(rng, steps);
                case 2 -> production(rng, steps);
                default -> shopping(rng, steps);
            };
            if (t.isPresent()) {
                return t.get();
            }
        }
        throw new IllegalStateException("no problem fits " + difficulty);
    }

    /**
     * {@code train} and {@code test} distinct problems from {@code seed}; the two sets are drawn from separate
     * streams split off the seed, and no question appears twice in either or in both.
     */
    public Split split(long seed, int train, int test) {
        return split(seed, train, test, MAX_REPEATS_IN_A_ROW);
    }

    /** {@link #split(long, int, int)}, giving up after {@code patience} repeated questions in a row. */
    Split split(long seed, int train, int test, int patience) {
        if (train < 0 || test < 0) {
            throw new IllegalArgumentException("counts must be >= 0, got train " + train + ", test " + test);
        }
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom trainRng = root.split();
        SplittableRandom testRng = root.split();
        Set<String> seen = new HashSet<>();
        List<Task> trainTasks = distinct(trainRng, train, seen, patience);
        List<Task> testTasks = distinct(testRng, test, seen, patience);
        return new Split(trainTasks, testTasks);
    }

    /** Give up after this many draws in a row that only repeat earlier questions. */
    private static final int MAX_REPEATS_IN_A_ROW = 10_000;

    private List<Task> distinct(SplittableRandom rng, int count, Set<String> seen, int patience) {
        List<Task> out = new ArrayList<>(count);
        int repeats = 0;
        while (out.size() < count) {
            Task t = generate(rng);
            if (seen.add(t.question())) {
                out.add(t);
                repeats = 0;
            } else if (++repeats >= patience) {
                throw new IllegalStateException("only " + out.size() + " distinct problems of " + count
                        + " could be made at " + difficulty + "; ask for fewer or widen the number range");
            }
        }
        return out;
    }

    /** Writes {@code train.jsonl} and {@code test.jsonl} into {@code dir} (created if needed). */
    public static void write(Split split, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write synthetic tasks to " + dir + ": " + e.getMessage(), e);
        }
        writeJsonl(split.train(), dir.resolve(TRAIN_FILE));
        writeJsonl(split.test(), dir.resolve(TEST_FILE));
    }

    /** Writes {@code tasks} as GSM8K JSON Lines to {@code file}. */
    public static void writeJsonl(List<Task> tasks, Path file) {
        try {
            Files.writeString(file, toJsonl(tasks), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** GSM8K JSON Lines of {@code tasks}: {@code {"question": ..., "answer": "...\n#### n"}}, one a line. */
    public static String toJsonl(List<Task> tasks) {
        StringBuilder sb = new StringBuilder();
        for (Task t : tasks) {
            Map<String, String> row = new LinkedHashMap<>();
            row.put("question", t.question());
            row.put("answer", t.gsm8kAnswer());
            try {
                sb.append(JSON.writeValueAsString(row)).append('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return sb.toString();
    }

    // ---- families -------------------------------------------------------------------------------------------

    private enum Op { ADD, SUB, MUL, DIV }

    /** A person's collection: buys, finds, gets, gives, sells, loses, doubles; may end by sharing it out. */
    private Optional<Task> collection(SplittableRandom rng, int steps) {
        Person p = pick(rng, PEOPLE);
        Person friend = other(rng, p);
        String items = pick(rng, ITEMS);
        int x = between(rng, 2, Math.min(difficulty.maxResult(), 2 * difficulty.maxOperand()));
        List<String> question = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        question.add(p.name() + " has " + x + " " + items + ".");
        String opening = p.name() + " has " + x + " " + items + ". ";
        String ask = "How many " + items + " does " + p.name() + " have now?";
        for (int step = 0; step < steps; step++) {
            boolean last = step == steps - 1;
            Op op = chooseOp(rng, x, last ? ALL_OPS : NO_DIV);
            if (op == null) {
                return Optional.empty();
            }
            String then = step == 0 ? "" : "Then ";
            String s = step == 0 ? p.capitalSubject() : p.subject();
            String line;
            int y;
            switch (op) {
                case ADD -> {
                    int b = addend(rng, x);
                    y = x + b;
                    String so = ", so " + p.subject() + " has " + x + " + " + b + " = " + y + " " + items + ".";
                    switch (rng.nextInt(3)) {
                        case 0 -> {
                            question.add(then + s + " buys " + b + " more.");
                            line = p.capitalSubject() + " buys " + b + " more" + so;
                        }
                        case 1 -> {
                            question.add(then + s + " finds " + b + " more " + items + ".");
                            line = p.capitalSubject() + " finds " + b + " more" + so;
                        }
                        default -> {
                            question.add(then + friend.name() + " gives " + p.object() + " " + b + " " + items + ".");
                            line = friend.name() + " gives " + p.object() + " " + b + so;
                        }
                    }
                }
                case SUB -> {
                    int b = subtrahend(rng, x);
                    y = x - b;
                    String so = ", so " + p.subject() + " has " + x + " - " + b + " = " + y + " " + items + ".";
                    switch (rng.nextInt(3)) {
                        case 0 -> {
                            question.add(then + s + " gives " + b + " " + items + " to " + friend.name() + ".");
                            line = p.capitalSubject() + " gives " + b + " to " + friend.name() + so;
                        }
                        case 1 -> {
                            question.add(then + s + " sells " + b + " of them.");
                            line = p.capitalSubject() + " sells " + b + so;
                        }
                        default -> {
                            question.add(then + s + " loses " + b + " " + items + ".");
                            line = p.capitalSubject() + " loses " + b + so;
                        }
                    }
                }
                case MUL -> {
                    int k = factor(rng, x);
                    y = x * k;
                    question.add(then + s + " ends up with " + k + " times as many " + items + " as before.");
                    line = p.capitalSubject() + " now has " + x + " * " + k + " = " + y + " " + items + ".";
                }
                default -> {
                    int k = divisor(rng, x, difficulty.maxFactor());
                    y = x / k;
                    question.add(then + s + " shares them equally among " + k + " friends.");
                    ask = "How many " + items + " does each friend get?";
                    line = "Each friend gets " + x + " / " + k + " = " + y + " " + items + ".";
                }
            }
            lines.add(step == 0 ? opening + line : line);
            x = y;
        }
        question.add(ask);
        return Optional.of(task(question, lines, x));
    }

    /** A chain of people, each compared with the one before: more, fewer, times as many, half as many. */
    private Optional<Task> comparison(SplittableRandom rng, int steps) {
        if (steps + 1 > PEOPLE.size()) {
            return Optional.empty();
        }
        List<Person> chain = distinctPeople(rng, steps + 1);
        String items = pick(rng, ITEMS);
        int x = between(rng, 2, difficulty.maxOperand());
        List<String> question = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        question.add(chain.get(0).name() + " has " + x + " " + items + ".");
        for (int step = 1; step <= steps; step++) {
            Person prev = chain.get(step - 1);
            Person cur = chain.get(step);
            Op op = chooseOp(rng, x, ALL_OPS);
            if (op == null) {
                return Optional.empty();
            }
            int y;
            String sign;
            int operand;
            switch (op) {
                case ADD -> {
                    operand = addend(rng, x);
                    y = x + operand;
                    sign = " + ";
                    question.add(cur.name() + " has " + operand + " more " + items + " than " + prev.name() + ".");
                }
                case SUB -> {
                    operand = subtrahend(rng, x);
                    y = x - operand;
                    sign = " - ";
                    question.add(cur.name() + " has " + operand + " fewer " + items + " than " + prev.name() + ".");
                }
                case MUL -> {
                    operand = factor(rng, x);
                    y = x * operand;
                    sign = " * ";
                    question.add(cur.name() + " has " + operand + " times as many " + items + " as " + prev.name()
                            + ".");
                }
                default -> {
                    operand = divisor(rng, x, 4);
                    y = x / operand;
                    sign = " / ";
                    String part = switch (operand) {
                        case 2 -> "half";
                        case 3 -> "a third";
                        default -> "a quarter";
                    };
                    question.add(cur.name() + " has " + part + " as many " + items + " as " + prev.name() + ".");
                }
            }
            lines.add(cur.name() + " has " + x + sign + operand + " = " + y + " " + items + ".");
            x = y;
        }
        question.add("How many " + items + " does " + chain.get(steps).name() + " have?");
        return Optional.of(task(question, lines, x));
    }

    /** A rate times hours, then items sold or added; may end by packing them into boxes. */
    private Optional<Task> production(SplittableRandom rng, int steps) {
        Maker m = pick(rng, MAKERS);
        int hours = between(rng, 2, difficulty.maxFactor());
        int rateMax = Math.min(difficulty.maxOperand(), difficulty.maxResult() / hours);
        if (rateMax < 2) {
            return Optional.empty();
        }
        int rate = between(rng, 2, rateMax);
        int x = rate * hours;
        List<String> question = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        question.add(m.who() + " " + m.verb() + " " + rate + " " + m.items() + " every hour for " + hours + " hours.");
        lines.add("In " + hours + " hours that is " + rate + " * " + hours + " = " + x + " " + m.items() + ".");
        String ask = "How many " + m.items() + " are there at the end?";
        for (int step = 1; step < steps; step++) {
            boolean last = step == steps - 1;
            Op op = chooseOp(rng, x, last ? ADD_SUB_DIV : ADD_SUB);
            if (op == null) {
                return Optional.empty();
            }
            int y;
            switch (op) {
                case ADD -> {
                    int b = addend(rng, x);
                    y = x + b;
                    question.add("Then " + b + " more " + m.items() + " are added.");
                    lines.add("With " + b + " more, there are " + x + " + " + b + " = " + y + " " + m.items() + ".");
                }
                case SUB -> {
                    int b = subtrahend(rng, x);
                    y = x - b;
                    question.add("Then " + b + " of the " + m.items() + " are sold.");
                    lines.add("After " + b + " are sold, " + x + " - " + b + " = " + y + " " + m.items()
                            + " are left.");
                }
                default -> {
                    int k = divisor(rng, x, difficulty.maxFactor());
                    y = x / k;
                    question.add("The " + m.items() + " are packed equally into " + k + " boxes.");
                    ask = "How many " + m.items() + " are in each box?";
                    lines.add("Each box has " + x + " / " + k + " = " + y + " " + m.items() + ".");
                }
            }
            x = y;
        }
        question.add(ask);
        return Optional.of(task(question, lines, x));
    }

    /** Several of one product at a price, one more thing, then the change from a bill (one to three steps). */
    private Optional<Task> shopping(SplittableRandom rng, int steps) {
        if (steps > 3) {
            return Optional.empty();
        }
        Person p = pick(rng, PEOPLE);
        Product product = pick(rng, PRODUCTS);
        int count = between(rng, 2, Math.max(2, difficulty.maxFactor()));
        int priceMax = Math.min(Math.max(2, difficulty.maxOperand() / 2), difficulty.maxResult() / count);
        if (priceMax < 1) {
            return Optional.empty();
        }
        int price = between(rng, 1, priceMax);
        int cost = price * count;
        List<String> question = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        question.add("A " + product.singular() + " costs $" + price + ". " + p.name() + " buys " + count + " "
                + product.plural() + ".");
        lines.add("The " + product.plural() + " cost " + price + " * " + count + " = " + cost + " dollars.");
        int total = cost;
        String ask = "How much does " + p.subject() + " spend?";
        if (steps >= 2) {
            if (cost >= difficulty.maxResult()) {
                return Optional.empty();
            }
            String extra = pick(rng, EXTRAS);
            int extraPrice = addend(rng, cost);
            total = cost + extraPrice;
            question.add(p.capitalSubject() + " also buys a " + extra + " for $" + extraPrice + ".");
            lines.add("With the " + extra + ", " + p.subject() + " spends " + cost + " + " + extraPrice + " = " + total
                    + " dollars.");
            ask = "How much does " + p.subject() + " spend in total?";
        }
        int result = total;
        if (steps == 3) {
            List<Integer> bills = new ArrayList<>();
            for (int b : BILLS) {
                if (b >= total + 2 && b - total <= difficulty.maxResult()) {
                    bills.add(b);
                }
            }
            if (bills.isEmpty()) {
                return Optional.empty();
            }
            int bill = bills.get(rng.nextInt(Math.min(2, bills.size())));
            result = bill - total;
            question.add(p.capitalSubject() + " pays with a $" + bill + " bill.");
            lines.add(p.capitalSubject() + " gets " + bill + " - " + total + " = " + result + " dollars in change.");
            ask = "How much change does " + p.subject() + " get?";
        }
        question.add(ask);
        return Optional.of(task(question, lines, result));
    }

    // ---- numbers --------------------------------------------------------------------------------------------

    private static final Set<Op> ALL_OPS = EnumSet.allOf(Op.class);
    private static final Set<Op> NO_DIV = EnumSet.of(Op.ADD, Op.SUB, Op.MUL);
    private static final Set<Op> ADD_SUB_DIV = EnumSet.of(Op.ADD, Op.SUB, Op.DIV);
    private static final Set<Op> ADD_SUB = EnumSet.of(Op.ADD, Op.SUB);

    /** A random operation among {@code allowed} that keeps the result in range, or null when none does. */
    private Op chooseOp(SplittableRandom rng, int x, Set<Op> allowed) {
        List<Op> ops = new ArrayList<>(4);
        for (Op op : allowed) {
            boolean feasible = switch (op) {
                case ADD -> x < difficulty.maxResult();
                case SUB -> x >= 3;
                case MUL -> x >= 2 && x * 2 <= difficulty.maxResult();
                case DIV -> !divisors(x, Math.min(4, difficulty.maxFactor())).isEmpty();
            };
            if (feasible) {
                ops.add(op);
            }
        }
        return ops.isEmpty() ? null : ops.get(rng.nextInt(ops.size()));
    }

    private int addend(SplittableRandom rng, int x) {
        int hi = Math.min(difficulty.maxOperand(), difficulty.maxResult() - x);
        return between(rng, Math.min(2, hi), hi);
    }

    private int subtrahend(SplittableRandom rng, int x) {
        int hi = Math.min(difficulty.maxOperand(), x - 2); // at least 2 left: no "1 apples"
        return between(rng, 1, hi);
    }

    private int factor(SplittableRandom rng, int x) {
        int hi = Math.min(difficulty.maxFactor(), difficulty.maxResult() / x);
        return between(rng, 2, Math.max(2, hi));
    }

    private static int divisor(SplittableRandom rng, int x, int maxK) {
        List<Integer> ds = divisors(x, maxK);
        return ds.isEmpty() ? 1 : ds.get(rng.nextInt(ds.size()));
    }

    /** Divisors k of x with 2 <= k <= maxK and x / k >= 2. */
    private static List<Integer> divisors(int x, int maxK) {
        List<Integer> ds = new ArrayList<>();
        for (int k = 2; k <= maxK; k++) {
            if (x % k == 0 && x / k >= 2) {
                ds.add(k);
            }
        }
        return ds;
    }

    private static int between(SplittableRandom rng, int lo, int hi) {
        return lo >= hi ? lo : rng.nextInt(lo, hi + 1);
    }

    private static <T> T pick(SplittableRandom rng, List<T> list) {
        return list.get(rng.nextInt(list.size()));
    }

    private static Person other(SplittableRandom rng, Person p) {
        Person q;
        do {
            q = pick(rng, PEOPLE);
        } while (q.equals(p));
        return q;
    }

    private static List<Person> distinctPeople(SplittableRandom rng, int n) {
        List<Person> pool = new ArrayList<>(PEOPLE);
        List<Person> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(pool.remove(rng.nextInt(pool.size())));
        }
        return out;
    }

    private static Task task(List<String> question, List<String> lines, int answer) {
        return new Task(String.join(" ", question), String.join("\n", lines), answer);
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
