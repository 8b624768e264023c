package main

// The generated CUR's price list: ~30 AWS products and a few Marketplace
// products, priced in four regions, a few hundred SKUs in all.

import (
	"fmt"
	"strconv"
)

// sku is one priced usage type of a product in one region.
type sku struct {
	product   *product
	usageType string // e.g. "BoxUsage:m5.large", "USW2-BoxUsage:m5.large"
	operation string
	unit      string
	region    string // product/region, e.g. "us-east-1"
	id        string // product/sku
	zone      string // lineItem/AvailabilityZone; "" for regional services
	rate      string // public on-demand rate per unit, ≤ 10 decimals
	rateF     float64
	maxUsage  float64 // a line's usage amount is drawn in (0, maxUsage]
	integral  bool    // usage in whole units (requests, hours)
}

// product is a service as the CUR names it.
type product struct {
	code        string // lineItem/ProductCode
	service     string // product/servicecode ("" for Marketplace)
	name        string // product/ProductName
	entity      string // bill/BillingEntity
	resource    string // resource ID prefix; "" for none
	marketplace bool
	skus        []*sku
}

// skuSpec is a usage type before it is priced per region.
type skuSpec struct {
	usageType, operation, unit string
	rate                       float64
	maxUsage                   float64
	integral                   bool
	covered                    string
}

// productSpec is a product before it is priced per region.
type productSpec struct {
	code, service, name, resource string
	freeTier, global              bool
	skus                          []skuSpec
}

// hours is a usage spec of one instance hour; covered is "sp", "ri" or "":
// which commitments cover it.
func hours(usageType, operation string, rate float64, covered string) skuSpec {
	return skuSpec{usageType, operation, "Hrs", rate, 1, true, covered}
}

func metered(usageType, operation, unit string, rate, maxUsage float64) skuSpec {
	return skuSpec{usageType, operation, unit, rate, maxUsage, false, ""}
}

func requests(usageType, operation string, rate, maxUsage float64) skuSpec {
	return skuSpec{usageType, operation, "Requests", rate, maxUsage, true, ""}
}

// awsProducts is the AWS price list (us-east-1 rates, rounded).
var awsProducts = []productSpec{
	{"AmazonEC2", "AmazonEC2", "Amazon Elastic Compute Cloud", "i-", false, false, []skuSpec{
		hours("BoxUsage:m5.large", "RunInstances", 0.096, "sp"),
		hours("BoxUsage:m5.xlarge", "RunInstances", 0.192, "sp"),
		hours("BoxUsage:c5.large", "RunInstances", 0.085, "ri"),
		hours("BoxUsage:c5.2xlarge", "RunInstances", 0.34, "sp"),
		hours("BoxUsage:t3.micro", "RunInstances", 0.0104, ""),
		hours("BoxUsage:t3.medium", "RunInstances", 0.0416, "ri"),
		hours("BoxUsage:r5.large", "RunInstances:0002", 0.218, "ri"),
		metered("EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", 0.08, 2),
		metered("EBS:SnapshotUsage", "CreateSnapshot", "GB-Mo", 0.05, 5),
		metered("NatGateway-Hours", "NatGateway", "Hrs", 0.045, 1),
	}},
	// EC2 data transfer is written under lineItem/ProductCode AmazonEC2 with
	// product/servicecode AWSDataTransfer, as AWS does.
	{"AmazonEC2", "AWSDataTransfer", "Amazon Elastic Compute Cloud", "i-", false, false, []skuSpec{
		metered("DataTransfer-Out-Bytes", "RunInstances", "GB", 0.09, 3),
		metered("DataTransfer-Regional-Bytes", "InterZone-In", "GB", 0.01, 10),
	}},
	{"AmazonS3", "AmazonS3", "Amazon Simple Storage Service", "bucket-", true, false, []skuSpec{
		metered("TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.023, 50),
		requests("Requests-Tier1", "PutObject", 0.000005, 20000),
		requests("Requests-Tier2", "GetObject", 0.0000004, 100000),
		metered("TimedStorage-INT-FA-ByteHrs", "IntelligentTieringFAStorage", "GB-Mo", 0.023, 20),
	}},
	{"AmazonRDS", "AmazonRDS", "Amazon Relational Database Service", "arn:aws:rds:db:", false, false, []skuSpec{
		hours("InstanceUsage:db.m5.large", "CreateDBInstance:0002", 0.171, "ri"),
		hours("InstanceUsage:db.r5.large", "CreateDBInstance:0014", 0.25, "ri"),
		metered("RDS:GP2-Storage", "CreateDBInstance:0002", "GB-Mo", 0.115, 3),
		hours("Multi-AZUsage:db.m5.large", "CreateDBInstance:0002", 0.342, ""),
	}},
	{"AWSLambda", "AWSLambda", "AWS Lambda", "fn-", true, false, []skuSpec{
		{"Lambda-GB-Second", "Invoke", "Lambda-GB-Second", 0.0000166667, 40000, false, "sp"},
		requests("Request", "Invoke", 0.0000002, 100000),
	}},
	{"AmazonDynamoDB", "AmazonDynamoDB", "Amazon DynamoDB", "table-", true, false, []skuSpec{
		requests("ReadRequestUnits", "GetItem", 0.00000025, 200000),
		requests("WriteRequestUnits", "PutItem", 0.00000125, 50000),
		metered("TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.25, 5),
	}},
	{"AmazonCloudWatch", "AmazonCloudWatch", "AmazonCloudWatch", "", true, false, []skuSpec{
		metered("CW:MetricMonitorUsage", "MetricStorage", "Metrics", 0.3, 1),
		metered("DataProcessing-Bytes", "PutLogEvents", "GB", 0.5, 2),
		requests("CW:Requests", "GetMetricData", 0.00001, 5000),
	}},
	{"AmazonVPC", "AmazonVPC", "Amazon Virtual Private Cloud", "vpce-", false, false, []skuSpec{
		metered("VpcEndpoint-Hours", "VpcEndpoint", "Hrs", 0.01, 1),
		metered("PublicIPv4:InUseAddress", "AssociateAddressVPC", "Hrs", 0.005, 1),
	}},
	{"AWSELB", "AWSELB", "Elastic Load Balancing", "arn:aws:elasticloadbalancing:lb:", false, false, []skuSpec{
		metered("LoadBalancerUsage", "LoadBalancing:Application", "Hrs", 0.0225, 1),
		metered("LCUUsage", "LoadBalancing:Application", "LCU-Hrs", 0.008, 20),
	}},
	{"AmazonCloudFront", "AmazonCloudFront", "Amazon CloudFront", "E", true, true, []skuSpec{
		metered("DataTransfer-Out-Bytes", "GET", "GB", 0.085, 10),
		requests("Requests-Tier1", "GET", 0.0000075, 100000),
	}},
	{"AmazonRoute53", "AmazonRoute53", "Amazon Route 53", "Z", false, true, []skuSpec{
		metered("HostedZone", "", "HostedZone", 0.5, 1),
		requests("DNS-Queries", "", 0.0000004, 200000),
	}},
	{"AmazonSNS", "AmazonSNS", "Amazon Simple Notification Service", "", true, false, []skuSpec{
		requests("Requests-Tier1", "Publish", 0.0000005, 100000),
	}},
	{"AWSQueueService", "AWSQueueService", "Amazon Simple Queue Service", "", true, false, []skuSpec{
		requests("Requests-RBP", "SendMessage", 0.0000004, 100000),
	}},
	{"AmazonEKS", "AmazonEKS", "Amazon Elastic Container Service for Kubernetes", "cluster-", false, false, []skuSpec{
		metered("AmazonEKS-Hours:perCluster", "CreateOperation", "Hrs", 0.1, 1),
	}},
	{"AmazonECS", "AmazonECS", "Amazon Elastic Container Service", "task-", false, false, []skuSpec{
		{"Fargate-vCPU-Hours:perCPU", "FargateTask", "hours", 0.04048, 4, false, "sp"},
		metered("Fargate-GB-Hours", "FargateTask", "hours", 0.004445, 16),
	}},
	{"AmazonElastiCache", "AmazonElastiCache", "Amazon ElastiCache", "cache-", false, false, []skuSpec{
		hours("NodeUsage:cache.m5.large", "CreateCacheCluster:0002", 0.156, ""),
	}},
	{"AmazonES", "AmazonES", "Amazon OpenSearch Service", "domain-", false, false, []skuSpec{
		hours("ESInstance:m5.large.search", "ESDomain", 0.142, ""),
		metered("ES:GP3-Storage", "ESDomain", "GB-Mo", 0.122, 3),
	}},
	{"AmazonKinesis", "AmazonKinesis", "Amazon Kinesis", "stream-", false, false, []skuSpec{
		metered("Storage-ShardHour", "shardHourStorage", "ShardHour", 0.015, 4),
		requests("PutRequestPayloadUnits", "PutRecord", 0.000000014, 1000000),
	}},
	{"AWSGlue", "AWSGlue", "AWS Glue", "job-", false, false, []skuSpec{
		metered("ETL-DPU-Hour", "Jobrun", "DPU-Hour", 0.44, 10),
		metered("Crawler-DPU-Hour", "CrawlerRun", "DPU-Hour", 0.44, 2),
	}},
	{"AmazonAthena", "AmazonAthena", "Amazon Athena", "", false, false, []skuSpec{
		metered("DataScannedInTB", "RunQuery", "Terabytes", 5, 0.2),
	}},
	{"AmazonRedshift", "AmazonRedshift", "Amazon Redshift", "cluster-", false, false, []skuSpec{
		hours("Node:ra3.xlplus", "RunComputeNode:0001", 1.086, "ri"),
	}},
	{"AWSSecretsManager", "AWSSecretsManager", "AWS Secrets Manager", "secret-", true, false, []skuSpec{
		metered("AWSSecretsManager-Secrets", "StorageSecret", "Secrets", 0.4, 1),
		requests("AWSSecretsManager-APIRequest", "GetSecretValue", 0.000005, 10000),
	}},
	{"awskms", "awskms", "AWS Key Management Service", "key-", true, false, []skuSpec{
		metered("KMS-Keys", "CreateKey", "Keys", 1, 1),
		requests("KMS-Requests", "Decrypt", 0.000003, 20000),
	}},
	{"AmazonECR", "AmazonECR", "Amazon EC2 Container Registry (ECR)", "repo-", true, false, []skuSpec{
		metered("TimedStorage-ByteHrs", "", "GB-Mo", 0.1, 10),
	}},
	{"AmazonEFS", "AmazonEFS", "Amazon Elastic File System", "fs-", true, false, []skuSpec{
		metered("TimedStorage-ByteHrs", "", "GB-Mo", 0.3, 20),
	}},
	{"AWSCloudTrail", "AWSCloudTrail", "AWS CloudTrail", "", true, false, []skuSpec{
		requests("PaidEventsRecorded", "None", 0.00001, 100000),
	}},
	{"AWSConfig", "AWSConfig", "AWS Config", "", false, false, []skuSpec{
		requests("ConfigurationItemRecorded", "None", 0.003, 200),
	}},
	{"AmazonGuardDuty", "AmazonGuardDuty", "Amazon GuardDuty", "detector-", true, false, []skuSpec{
		metered("PaidEventsAnalyzed", "None", "Events", 0.000004, 200000),
	}},
	{"AmazonSageMaker", "AmazonSageMaker", "Amazon SageMaker", "endpoint-", true, false, []skuSpec{
		hours("Host:ml.m5.large", "RunInstance", 0.115, "sp"),
		hours("Notebk:ml.t3.medium", "RunInstance", 0.05, ""),
	}},
	{"AmazonApiGateway", "AmazonApiGateway", "Amazon API Gateway", "api-", true, false, []skuSpec{
		requests("ApiGatewayRequest", "ApiGatewayRequest", 0.0000035, 100000),
	}},
	{"AmazonSES", "AmazonSES", "Amazon Simple Email Service", "", true, false, []skuSpec{
		requests("Message", "Send", 0.0001, 5000),
	}},
}

// regions prices every regional SKU four times: us-east-1 usage types carry
// no prefix in legacy CURs, the others carry the region's.
var regions = []struct {
	name, prefix, zone string
	factor             float64
}{
	{"us-east-1", "", "us-east-1a", 1},
	{"us-west-2", "USW2-", "us-west-2b", 1},
	{"eu-central-1", "EUC1-", "eu-central-1a", 1.15},
	{"ap-northeast-1", "APN1-", "ap-northeast-1c", 1.27},
}

// marketplaceProducts are sold by third parties: billing entity AWS
// Marketplace, no public on-demand price (rule 4: base = unblended).
var marketplaceProducts = []struct {
	code, name, usageType string
	rate                  float64
}{
	{"8k3b1vr3zz4rbjtmpdnwhhmvp", "Acme Next-Gen Firewall (Hourly)", "USE1-MP:SoftwareUsage", 0.75},
	{"2x5q9jfh0rvkcx7ahz1l4ut3e", "Northwind Observability SaaS", "SaaS-Consumption", 0.00042},
	{"c0g8aiq0e3xbz2mnd5y1wovkl", "Contoso Hardened Linux", "USE1-MP:BoxUsage:m5.large", 0.05},
	{"7mpt6uaz4s3kyx1q0jnbg9rde", "Fabrikam Data Pipeline", "SaaS-Records", 0.0000125},
}

// catalog is the generator's price list.
type catalog struct {
	products    []*product
	skus        []*sku // AWS SKUs, all regions
	freeTier    []*sku // SKUs of products with a free tier
	sp, ri      []*sku // SKUs commitments cover
	marketplace []*sku
}

// newCatalog prices the product specs in every region.
func newCatalog() *catalog {
	c := &catalog{}
	for _, ps := range awsProducts {
		p := &product{code: ps.code, service: ps.service, name: ps.name, entity: "AWS", resource: ps.resource}
		rs := regions
		if ps.global {
			rs = rs[:1]
		}
		for _, r := range rs {
			for _, s := range ps.skus {
				k := &sku{product: p, usageType: r.prefix + s.usageType, operation: s.operation, unit: s.unit,
					region: r.name, rate: rate(s.rate * r.factor), maxUsage: s.maxUsage, integral: s.integral}
				if s.unit == "Hrs" && s.covered != "" {
					k.zone = r.zone
				}
				k.rateF, _ = strconv.ParseFloat(k.rate, 64)
				k.id = skuID(k)
				p.skus = append(p.skus, k)
				c.skus = append(c.skus, k)
				switch {
				case s.covered == "sp":
					c.sp = append(c.sp, k)
				case s.covered == "ri":
					c.ri = append(c.ri, k)
				}
				if ps.freeTier && r.prefix == "" {
					c.freeTier = append(c.freeTier, k)
				}
			}
		}
		c.products = append(c.products, p)
	}
	for _, m := range marketplaceProducts {
		p := &product{code: m.code, name: m.name, entity: "AWS Marketplace", marketplace: true}
		k := &sku{product: p, usageType: m.usageType, operation: "Usage", unit: "Units", region: "us-east-1",
			rate: rate(m.rate), maxUsage: 24, integral: false}
		k.rateF, _ = strconv.ParseFloat(k.rate, 64)
		k.id = skuID(k)
		p.skus = []*sku{k}
		c.products = append(c.products, p)
		c.marketplace = append(c.marketplace, k)
	}
	return c
}

// skuID is a stable 16-character product/sku for a SKU.
func skuID(k *sku) string {
	h := uint64(14695981039346656037) // FNV-1a
	for _, s := range []string{k.product.code, k.product.service, k.usageType, k.operation} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * 1099511628211
		}
	}
	return fmt.Sprintf("%016X", h)
}

// rate formats a rate with at most 10 decimals, trailing zeros trimmed.
func rate(f float64) string {
	s := string(appendAmount(nil, f))
	if s == "0" {
		panic(fmt.Sprintf("rate %v rounds to 0", f))
	}
	return s
}
