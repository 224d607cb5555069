#pragma once
// The ProviderCodec for AWS Bedrock Runtime (protocols.md 4): Anthropic models through InvokeModel
// (Messages bodies, event-stream `chunk` frames holding Anthropic events), every other model
// through Converse / ConverseStream. SigV4 is added afterwards by bedrock_signer.h.
#include <memory>

#include "gw/providers/codec.h"

namespace gw::bedrock {

// The provider config outlives the codec.
std::unique_ptr<ProviderCodec> make_bedrock_codec(const config::Provider& p);

}  // namespace gw::bedrock
