// The raw logits of a checkpoint's task head, for comparing with a reference implementation or for
// post-processing of one's own.
#pragma once

#include <span>
#include <vector>

#include "nn/network.h"
#include "text/tokenizer.h"

namespace bert {

// Per sequence: sequence classification [labels]; token classification [tokens x labels]; question
// answering [tokens x 2] (start, end). kNoHead for other architectures (MaskedLmLogits serves fill-mask).
Status HeadLogits(Network& net, std::span<const TokenizedText> batch, std::vector<std::vector<float>>* out);

}  // namespace bert
