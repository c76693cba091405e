package dev.thinktune.train;

import dev.thinktune.model.StudentModel;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Supervised next-token loss (pretraining and SFT): the mean negative log-probability of the tokens marked in
 * {@value #LOSS_MASK} ([B, T-1], next-token view), normalised by {@value #NUM_TOKENS} (the marked tokens of the
 * whole update batch, so gradient accumulation over micro-batches gives the full-batch gradient).
 */
public final class NextTokenLoss {
    public static final String LOSS_MASK = "loss_mask";
    public static final String NUM_TOKENS = "nll_num_tokens";
    public static final String LOSS = "nll";

    private NextTokenLoss() {
    }

    public static SDVariable attach(StudentModel model) {
        SameDiff sd = model.graph();
        SDVariable mask = sd.placeHolder(LOSS_MASK, DataType.FLOAT, -1, -1);
        SDVariable n = sd.placeHolder(NUM_TOKENS, DataType.FLOAT);
        SDVariable loss = sd.sum(model.tokenLogprobsVariable().mul(mask)).div(n).neg(LOSS);
        sd.setLossVariables(loss);
        return loss;
    }
}
