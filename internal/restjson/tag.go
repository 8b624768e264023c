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

// ListTagsForResourceResponse, like every operation output, encodes its Tags
// even when empty: a resource without tags reads {"Tags":{}} rather than {}.
func listTagsForResource(ctx context.Context, svc *conductor.Service, req request, in *model.ListTagsForResourceRequest) (*model.ListTagsForResourceResponse, error) {
	tags, err := svc.ListTagsForResource(ctx, req.caller, str(in.ResourceArn))
	return &model.ListTagsForResourceResponse{Tags: tags}, err
}
