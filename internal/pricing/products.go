package pricing

import "github.com/proforma-dev/proforma/internal/conductor"

// productNames are the product names (product/ProductName) the CUR writes
// for the service codes (lineItem/ProductCode) of common services: the
// names custom line items presented under those services report under
// when the group's usage of the period does not name the service itself.
var productNames = map[string]string{
	"AmazonApiGateway":      "Amazon API Gateway",
	"AmazonAthena":          "Amazon Athena",
	"AmazonCloudFront":      "Amazon CloudFront",
	"AmazonCloudWatch":      "AmazonCloudWatch",
	"AmazonCognito":         "Amazon Cognito",
	"AmazonDocDB":           "Amazon DocumentDB (with MongoDB compatibility)",
	"AmazonDynamoDB":        "Amazon DynamoDB",
	"AmazonEC2":             "Amazon Elastic Compute Cloud",
	"AmazonECR":             "Amazon EC2 Container Registry (ECR)",
	"AmazonECS":             "Amazon Elastic Container Service",
	"AmazonEFS":             "Amazon Elastic File System",
	"AmazonEKS":             "Amazon Elastic Container Service for Kubernetes",
	"AmazonElastiCache":     "Amazon ElastiCache",
	"AmazonGlacier":         "Amazon Glacier",
	"AmazonGuardDuty":       "Amazon GuardDuty",
	"AmazonKinesis":         "Amazon Kinesis",
	"AmazonLightsail":       "Amazon Lightsail",
	"AmazonMQ":              "Amazon MQ",
	"AmazonMSK":             "Amazon Managed Streaming for Apache Kafka",
	"AmazonNeptune":         "Amazon Neptune",
	"AmazonRDS":             "Amazon Relational Database Service",
	"AmazonRedshift":        "Amazon Redshift",
	"AmazonRoute53":         "Amazon Route 53",
	"AmazonS3":              "Amazon Simple Storage Service",
	"AmazonSageMaker":       "Amazon SageMaker",
	"AmazonSES":             "Amazon Simple Email Service",
	"AmazonSNS":             "Amazon Simple Notification Service",
	"AmazonStates":          "AWS Step Functions",
	"AmazonVPC":             "Amazon Virtual Private Cloud",
	"AmazonWorkSpaces":      "Amazon WorkSpaces",
	"AWSBackup":             "AWS Backup",
	"AWSCertificateManager": "AWS Certificate Manager",
	"AWSCloudShell":         "AWS CloudShell",
	"AWSCloudTrail":         "AWS CloudTrail",
	"AWSConfig":             "AWS Config",
	"AWSCostExplorer":       "AWS Cost Explorer",
	"AWSDataTransfer":       "AWS Data Transfer",
	"AWSDirectConnect":      "AWS Direct Connect",
	"AWSELB":                "Elastic Load Balancing",
	"AWSEvents":             "CloudWatch Events",
	"AWSGlue":               "AWS Glue",
	"AWSIoT":                "AWS IoT",
	"AWSLambda":             "AWS Lambda",
	"AWSQueueService":       "Amazon Simple Queue Service",
	"AWSSecretsManager":     "AWS Secrets Manager",
	"AWSShield":             "AWS Shield",
	"AWSSystemsManager":     "AWS Systems Manager",
	"AWSXRay":               "AWS X-Ray",
	"awskms":                "AWS Key Management Service",
	"awswaf":                "AWS WAF",
}

// ProductNameOf is the product name of a service code: names (the code →
// PRODUCT_NAME pairs of usage lines), else the built-in table of common services,
// else the code itself. The Billing Conductor service
// (conductor.DefaultPresentationService) keeps its code, as ever.
func ProductNameOf(code string, names map[string]string) string {
	if code == conductor.DefaultPresentationService {
		return code
	}
	if n, ok := names[code]; ok {
		return n
	}
	if n, ok := productNames[code]; ok {
		return n
	}
	return code
}

// learnName records the PRODUCT_NAME a line reports under for its product
// code (the first one seen: product/ProductName, else the code), so that
// custom line items presented under the service join its lines' row.
func (g *groupState) learnName(l *Line) {
	if l.ProductCode == "" {
		return
	}
	if _, ok := g.names[l.ProductCode]; !ok {
		g.names[l.ProductCode] = productName(l)
	}
}
