package restjson

import (
	"context"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
)

// TagResource and UntagResource answer 204 with no body (an untyped nil output).

func tagResource(ctx context.Context, svc *conductor.Service, req request, in *model.TagResourceRequest) (any, error) {
	return nil, svc.TagResource(ctx, req.caller, str(in.ResourceArn), in.Tags)
}

func untagResource(ctx context.Context, svc *conductor.Service, req request, in *model.UntagResourceRequest) (any, error) {
	return nil, svc.UntagResource(ctx, req.caller, str(in.ResourceArn), in.TagKeys)
}

// tagsOutput is ListTagsForResourceResponse with Tags always present, so that
// a resource without tags reads {"Tags":{}} rather than {}.
type tagsOutput struct {
	Tags map[string]string `json:"Tags"`
}

func listTagsForResource(ctx context.Context, svc *conductor.Service, req request, in *model.ListTagsForResourceRequest) (*tagsOutput, error) {
	tags, err := svc.ListTagsForResource(ctx, req.caller, str(in.ResourceArn))
	return &tagsOutput{Tags: tags}, err
}
