// Embedder: turns texts into dense, L2-normalised vectors of a fixed dimension.
//
// Implementations: LsaModel (built in, learned from the indexed corpus) and
// RemoteEmbedder (an external OpenAI-compatible /v1/embeddings server, off by
// default). Thread safety: embed() may be called from several threads at once.
#pragma once

#include <string>
#include <vector>

#include "corpus/status.h"

namespace expertmatch {

class Embedder {
 public:
  virtual ~Embedder() = default;
  // Vector length d.
  virtual int dimension() const = 0;
  // A stable identifier of the model and its parameters, recorded in the index
  // manifest (a different id means the stored vectors are stale).
  virtual std::string model_id() const = 0;
  // Embeds n texts; on success the result holds n * d floats, row i for texts[i],
  // each row of unit L2 norm (or all zeros for a text with no known terms).
  virtual Result<std::vector<float>> embed(const std::vector<std::string>& texts) const = 0;
};

// In-place L2 normalisation of one d-vector; leaves an all-zero vector as is.
void l2_normalize(float* v, int d);

}  // namespace expertmatch
